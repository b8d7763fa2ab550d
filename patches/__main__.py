"""`python -m patches <rasa arguments>`: Rasa's command line (`rasa run`, `rasa shell`,
`rasa train`, ...) with this project's patches of Rasa applied first (patches/__init__.py).
Every Rasa server of this project is started with it: scripts/serve.sh,
scripts/bot_servers.py, the Makefile and docker/rasa.Dockerfile's entrypoint.
"""
import os
import sys


def main() -> None:
    # What Rasa's command line sets before it imports TensorFlow (update_tensorflow_log_level
    # in rasa.utils.common), set sooner, as applying the patches imports TensorFlow: its C++
    # start-up messages (CPU features, no GPU, no TensorRT) off.
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    import patches

    try:
        patches.apply()
    except patches.RasaVersionError as error:
        sys.exit(f"error: {error}")
    import rasa.__main__

    sys.argv[0] = "rasa"  # as Rasa's usage and help messages name it
    rasa.__main__.main()


if __name__ == "__main__":
    main()
