# The action server: Rasa's official rasa-sdk 3.6 image with the answering code, the
# knowledge file, the school's settings, the career-fit quiz's example answers, the NLU
# data's out-of-scope examples, and the fact index and answer index (`make train` builds both).
FROM rasa/rasa-sdk:3.6.2
USER root
COPY requirements-no-deps.txt /app/
RUN pip install --no-cache-dir numpy safetensors pyyaml onnx==1.15.0 onnxruntime==1.16.3 \
 && pip install --no-cache-dir --no-deps -r /app/requirements-no-deps.txt
COPY actions /app/actions
COPY nlu_components /app/nlu_components
COPY data/knowledge /app/data/knowledge
COPY school.yml /app/school.yml
COPY data/career_fit_answers.yml /app/data/career_fit_answers.yml
COPY data/nlu/out_of_scope.yml /app/data/nlu/out_of_scope.yml
COPY data/nlu/out_of_scope_clinc150.yml /app/data/nlu/out_of_scope_clinc150.yml
COPY models/fact_index /app/models/fact_index
COPY models/answer_index /app/models/answer_index
ENV PYTHONPATH=/app
USER 1001
