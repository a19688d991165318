"""Settings for the whole test run (tests/ and notebooks/)."""

import os

# Notebooks run at full size for users; under the test suite they shrink themselves.
os.environ.setdefault("QUARTIER_SMALL", "1")
