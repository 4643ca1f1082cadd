"""The pluggy hook through which microtorch_core discovers this backend."""

from microtorch_core.hookspecs import hookimpl


@hookimpl
def microtorch_register_backends(registry):
    from .backend import CPUBackend

    registry.add("cpu", CPUBackend)
