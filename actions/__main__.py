"""`python -m actions <rasa_sdk arguments>`: the action server, rasa_sdk's command line
(`python -m rasa_sdk`), without the deprecation warning its dependency sanic_cors raises as
it starts (distutils' LooseVersion). Any other warning, and every error, is shown."""
import sys
import warnings


def main() -> None:
    # Sanic's app module, when first imported, puts "once" for every DeprecationWarning
    # first in the filters; imported before ours is set, it leaves ours first.
    import sanic.app  # noqa: F401

    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"sanic_cors(\.|$)")
    import rasa_sdk.__main__

    sys.argv[0] = "rasa_sdk"  # as its usage and help messages name it
    rasa_sdk.__main__.main()


if __name__ == "__main__":
    main()
