# The kit's kernel settings; kit.py copies this file into the venv's etc/ipython/.
#
# Quiet terminal: ipykernel (7.x) logs "Kernel is running over TCP without encryption" at
# every kernel start. JupyterLab and Voilà start the kit's kernels on this machine and
# connect over the loopback interface (127.0.0.1) only, so the message is not actionable
# for a learner. This drops that one message from ipykernel's own logger; every other
# message of the kernel still shows.
import logging


class _DropTcpWithoutEncryption(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "Kernel is running over TCP without encryption" not in record.getMessage()


logging.getLogger("IPKernelApp").addFilter(_DropTcpWithoutEncryption())
