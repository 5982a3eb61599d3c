import sys

from deploypack.cli.main import main

sys.exit(main())
