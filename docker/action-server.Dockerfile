# The action server: Rasa's official rasa-sdk 3.6 image with the answering code, the
# knowledge file, the school's settings and the fact index (`make train` builds it).
FROM rasa/rasa-sdk:3.6.2
USER root
COPY requirements-no-deps.txt /app/
RUN pip install --no-cache-dir numpy safetensors pyyaml onnx==1.15.0 onnxruntime==1.16.3 \
 && pip install --no-cache-dir --no-deps -r /app/requirements-no-deps.txt
COPY actions /app/actions
COPY nlu_components /app/nlu_components
COPY data/knowledge /app/data/knowledge
COPY school.yml /app/school.yml
COPY models/fact_index /app/models/fact_index
ENV PYTHONPATH=/app
USER 1001
