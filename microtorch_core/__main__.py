"""``python -m microtorch_core``: the doctor (see ``doctor.py``)."""

from .doctor import main

raise SystemExit(main())
