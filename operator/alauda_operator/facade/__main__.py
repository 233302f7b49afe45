"""``python -m alauda_operator.facade --host 127.0.0.1 --port 8080 [--kubeconfig PATH]``"""

import sys

from alauda_operator.facade.main import main

sys.exit(main())
