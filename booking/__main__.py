import sys

from booking.cli import main

sys.exit(main())
