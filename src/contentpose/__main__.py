import sys

from contentpose.cli import main

sys.exit(main())
