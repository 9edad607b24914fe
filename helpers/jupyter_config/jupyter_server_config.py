# The kit's Jupyter server settings; kit.py copies this file into the venv's etc/jupyter/.
#
# Quiet terminal: importing Voilà's package turns on every DeprecationWarning raised in
# traitlets, for the whole server process (voila/__init__.py calls
# warnings.filterwarnings("default", category=DeprecationWarning, module="traitlets")).
# JupyterLab then prints deprecations meant for extension authors, e.g. "ServerApp.token
# config is deprecated" when notebook_shim merely reads that attribute; nothing in the kit
# sets it. This puts back Python's default for exactly that category and module (deprecations
# hidden outside __main__); every other warning is left as it is.
import warnings

try:
    import voila  # noqa: F401  (its import adds the filter; the one below must come after)
except ImportError:
    pass
warnings.filterwarnings("ignore", category=DeprecationWarning, module="traitlets")
