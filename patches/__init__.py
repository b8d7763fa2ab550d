"""The only place where Rasa's behaviour is patched, and only for Rasa 3.6.21 (issue 8).

`remote_action`: how the Rasa server calls the action server, and nothing else.
- `RemoteAction._validate_action_result`: each response is checked against Rasa's schema
  compiled once (Rasa re-checks the schema itself and builds a new validator on every
  call); what it accepts and rejects, and Rasa's error message, are unchanged.
- `RemoteAction.__init__`: each RemoteAction (Rasa makes one per prediction) gets the
  action server's endpoint as an `ActionServerEndpoint`, the same configuration whose
  `session` is kept, one per endpoint and event loop, with its connections and writing
  JSON with ujson (Rasa opens a new session and connection per call). Every other
  endpoint (tracker store, lock store, NLG, ...) keeps Rasa's `EndpointConfig.session`.
- `rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT`, which only RemoteAction's request
  reads: ACTION_SERVER_TIMEOUT seconds (default 10) instead of Rasa's 5 minutes, so a
  student with a slow or stuck action server hears "I can't look that up right now"
  (channels/checks.py) instead of waiting.

`graph_runner`: `DaskGraphRunner.run` calls the nodes of Rasa's model graph in an order
worked out once for each set of targets and inputs, instead of dask's scheduler ordering
the same nodes anew on every run; the same nodes, arguments, results and errors.

`resent_turns`: a turn sent again (HAProxy resends the turns of a Rasa server that died, with
the same `X-Request-Id`) gets the replies it already got, instead of being answered and stored
twice: `MessageProcessor._handle_message_with_tracker` finds the stored turn, and
`MessageProcessor.handle_message` sends its replies.

Each module's docstring says more on why, and each keeps Rasa's own (RASAS_...) to compare.

Importing these modules changes nothing. `apply()` applies every patch, and may be called
any number of times. It is called
- by the launcher, `python -m patches <rasa arguments>` (patches/__main__.py), which
  starts every Rasa command of this project: scripts/serve.py (`make run`, `make shell`),
  tests/harness/bot_servers.py (tests, bench, evaluate), the Makefile (`make train`, `make
  validate`) and docker/rasa.Dockerfile's entrypoint;
- by nlu_components/minilm_featurizer.py when Rasa creates or loads it, so a process
  that trains, tests or runs this project's model is patched however it was started.

The patches rebind internals of one Rasa version: `apply()` refuses any other, before
changing anything.
"""

RASA_VERSION = "3.6.21"


class RasaVersionError(RuntimeError):
    """The installed Rasa is not the one the patches were written for."""


def check_rasa_version() -> None:
    """Raise RasaVersionError unless the installed Rasa is RASA_VERSION."""
    import rasa  # here, not above: the launcher sets its warning filters before Rasa is imported

    if rasa.__version__ != RASA_VERSION:
        raise RasaVersionError(
            f"patches/ rebinds internals of Rasa {RASA_VERSION}, but Rasa {rasa.__version__} is installed. "
            f"Install Rasa {RASA_VERSION} (requirements.txt: `make install` in a new .venv), or read each "
            f"patch in patches/ against Rasa {rasa.__version__}'s source, update it and its tests, then "
            f"RASA_VERSION in patches/__init__.py."
        )


def apply() -> None:
    """Apply every patch of Rasa; idempotent. Refuses first, changing nothing, on another Rasa."""
    check_rasa_version()
    from patches import graph_runner, remote_action, resent_turns

    graph_runner.apply()
    remote_action.apply()
    resent_turns.apply()
