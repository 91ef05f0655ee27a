import sys

from pgverify.cli import main

sys.exit(main())
