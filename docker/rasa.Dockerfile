# The Rasa server: Rasa's official 3.6.21 image (spaCy included) with this project's NLU
# component, channels, conversation stores, its patches of Rasa (patches/__init__.py) and
# the trained model. The entrypoint is the launcher, `python -m patches`, instead of the
# image's `rasa`: Rasa's command line with the patches applied first, so the container runs
# what `make run` and the tests run. Build after `make train` (the model and the spaCy
# pipeline come from models/).
FROM rasa/rasa:3.6.21-full
USER root
COPY requirements-no-deps.txt /app/
RUN pip install --no-cache-dir python-socketio==5.9.0 spacy-lookups-data==1.0.5 safetensors onnx==1.15.0 onnxruntime==1.16.3 \
 && pip install --no-cache-dir --no-deps -r /app/requirements-no-deps.txt
COPY channels /app/channels
COPY nlu_components /app/nlu_components
COPY patches /app/patches
COPY stores /app/stores
COPY credentials.yml /app/credentials.yml
COPY docker/endpoints.yml /app/endpoints.yml
COPY models/career-assistant.tar.gz /app/models/career-assistant.tar.gz
COPY models/spacy /app/models/spacy
ENV PYTHONPATH=/app
USER 1001
ENTRYPOINT ["python", "-m", "patches"]
CMD ["--help"]
