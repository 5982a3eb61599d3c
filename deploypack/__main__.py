import sys

from deploypack.cli import main

sys.exit(main())
