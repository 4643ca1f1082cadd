"""The pluggy hook specification that backend plugins implement.

pluggy is used for *registration* only: the hook runs once per plugin, when MicroTorch first
needs a device. Per-op dispatch never goes through pluggy (a hook call costs about 40 times a
dict lookup); see ``dispatch.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from .registry import BackendRegistry

PROJECT_NAME = "microtorch"
#: Entry-point group in which backend distributions advertise their plugin module.
ENTRY_POINT_GROUP = "microtorch.backends"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
#: Decorate a plugin's ``microtorch_register_backends`` function with this marker.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


class BackendHookSpecs:
    """Hooks a backend plugin may implement."""

    @hookspec
    def microtorch_register_backends(self, registry: BackendRegistry) -> None:
        """Register the device types this plugin provides.

        Call ``registry.add(device_type, backend)`` once per device type, where ``backend`` is
        a :class:`~microtorch_core.backend.Backend` subclass or a zero-argument factory. The
        backend is instantiated lazily, on first use of the device, so this hook must not
        touch hardware.

        A device type that another installed distribution also registers is usable only once
        the user has chosen one of the two (``MICROTORCH_BACKEND_<NAME>=<distribution>``); an
        exception here, ``sys.exit()`` included, reports the plugin as broken.

        Example (``my_backend/plugin.py``)::

            from microtorch_core import hookimpl

            @hookimpl
            def microtorch_register_backends(registry):
                from .backend import MyBackend
                registry.add("mydev", MyBackend)
        """
