"""``python -m alauda_operator.controller --all-namespaces``"""

import sys

from alauda_operator.controller.main import main

sys.exit(main())
