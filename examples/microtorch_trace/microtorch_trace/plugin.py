"""The hook through which microtorch_core finds the trace backend (entry point ``trace`` in
the ``microtorch.backends`` group, see ``pyproject.toml``). Importing this module imports
nothing heavy: the backend module is loaded when the registry calls the hook."""

from microtorch_core.hookspecs import hookimpl


@hookimpl
def microtorch_register_backends(registry):
    from .backend import TraceBackend

    registry.add("trace", TraceBackend)
