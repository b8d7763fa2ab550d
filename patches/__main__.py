"""`python -m patches <rasa arguments>`: Rasa's command line (`rasa run`, `rasa shell`,
`rasa train`, ...) with this project's patches of Rasa applied first (patches/__init__.py),
and without the deprecation warnings Rasa's dependencies raise about each other while
Rasa starts. Every Rasa server of this project is started with it: scripts/serve.py,
tests/harness/bot_servers.py, the Makefile and docker/rasa.Dockerfile's entrypoint.

The warnings left out are each named by where it is raised (the module the warning is
attributed to) or, when it is raised in the name of a module that is not at fault, by its
message. Any other warning, and every error, is shown as before.
"""
import os
import sys
import warnings

import pluggy

# DeprecationWarnings raised in these third-party modules, while Rasa imports them.
THIRD_PARTY_MODULES = (
    "matplotlib",  # pyparsing's renamed functions (setParseAction, parseString, ...)
    "packaging",  # the same
    "pkg_resources",  # pkg_resources.declare_namespace('mpl_toolkits'), ('ruamel'), ...
    "sanic_cors",  # distutils' LooseVersion
    "spacy",  # click's parser.split_arg_string
    "tensorflow",  # jax.xla_computation
    "typer",  # click's get_text_stream, BaseCommand, ...
)
# DeprecationWarnings attributed to Rasa's modules, which only import or call the library
# that raises them.
THIRD_PARTY_MESSAGES = (
    r"pkg_resources is deprecated as an API",  # on `import pkg_resources`
    r"Deprecated API features detected! These feature\(s\) are not compatible with SQLAlchemy 2\.0",
)


def ignore_third_party_deprecations() -> None:
    """Leave out the deprecation warnings above (a filter set later is checked first, and
    setting one again moves it first)."""
    modules = "|".join(THIRD_PARTY_MODULES)
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=rf"({modules})(\.|$)")
    for message in THIRD_PARTY_MESSAGES:
        warnings.filterwarnings("ignore", message=message, category=DeprecationWarning)


class AfterRasasOwnFilters:
    """A plugin of Rasa's command line. Rasa sets its own warning filters as its command
    line starts, among them one showing every UserWarning once, which pyparsing's
    deprecation warnings also are; then it calls this hook, before running the command."""

    @pluggy.HookimplMarker("rasa")
    def configure_commandline(self) -> None:
        ignore_third_party_deprecations()


AFTER_RASAS_OWN_FILTERS = AfterRasasOwnFilters()


def main() -> None:
    # What Rasa's command line sets before it imports TensorFlow (update_tensorflow_log_level
    # in rasa.utils.common), set sooner, as applying the patches imports TensorFlow: its C++
    # start-up messages (CPU features, no GPU, no TensorRT) off.
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    # Sanic's app module, when first imported, puts "once" for every DeprecationWarning
    # first in the filters; imported before ours are set, it leaves them first.
    import sanic.app  # noqa: F401

    ignore_third_party_deprecations()
    import patches

    try:
        patches.apply()
    except patches.RasaVersionError as error:
        sys.exit(f"error: {error}")
    import rasa.__main__
    from rasa.plugin import plugin_manager

    if not plugin_manager().is_registered(AFTER_RASAS_OWN_FILTERS):
        plugin_manager().register(AFTER_RASAS_OWN_FILTERS)
    sys.argv[0] = "rasa"  # as Rasa's usage and help messages name it
    rasa.__main__.main()


if __name__ == "__main__":
    main()
