"""Build the spaCy pipeline the NLU uses: blank English plus a lookup lemmatizer.

Pretrained en_core_web_* models cannot be downloaded on our machines, so we build
the smallest pipeline that still gives lemmas (from the `spacy-lookups-data`
package) and save it to disk; `config.yml` names it by path.

Usage: python scripts/build_spacy_pipeline.py models/spacy/en_blank_lookup
"""
import sys
from pathlib import Path

import spacy


def build(target: Path) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lookup tables from spacy-lookups-data
    lemmas = [token.lemma_ for token in nlp("courses paying earned")]
    if lemmas != ["course", "pay", "earn"]:
        sys.exit(f"lookup lemmatizer gave {lemmas}; is spacy-lookups-data installed?")
    target.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    print(f"spaCy pipeline saved to {target}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    build(Path(sys.argv[1]))
