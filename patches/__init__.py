"""The only place where Rasa's behaviour is patched; two patches (issue 8):

- `remote_action`: how the Rasa server calls the action server (a response schema
  compiled once, one HTTP session kept open that writes JSON with ujson, a timeout a
  student can wait for).
- `graph_runner`: Rasa's model graph run node after node in a remembered order, without
  dask's scheduler.

Both apply on import: `nlu_components/minilm_featurizer.py` imports them, because Rasa
loads that component into every process that runs or trains this project's model, and
no other hook of Rasa runs project code there.
"""
