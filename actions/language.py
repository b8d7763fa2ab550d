"""Whether a message is written in English, so that one in another language is told (in
English) that the bot answers in English, instead of being declined as off-topic or misread.

Two cheap signs, no model: most letters outside the Latin alphabet (Chinese, Arabic,
Cyrillic, ...), or more common words of another language than of English. Only words that
are not also English ones are listed ("son", "con", "die" and "also" are not).
"""
import re
import unicodedata

FOREIGN_WORDS = {
    "Spanish": "el los las del que qué por para una unos como cómo cuánto cuanto cuál dónde donde quiero "
               "puedo necesito trabajo trabajar está estoy son ser tengo hay pero muy también gana ganar "
               "sueldo salario cuesta años necesita puede",
    "French": "le les des est une pour avec dans sur qui quoi quel quelle combien comment travail "
              "je suis veux peux faut être avoir mais très aussi gagne salaire",
    "Portuguese": "os uma para com não como quanto quanta onde quero posso preciso trabalho ganha "
                  "salário também muito você pode",
    "German": "der das und ist nicht ich wie viel wieviel was kann muss arbeit verdient gehalt "
              "auch sehr eine einen wo welche",
    "Italian": "il gli che non sono quanto guadagna lavoro posso voglio anche molto dove",
    "Vietnamese": "tôi là của có không được người làm bao nhiêu công việc",
}
ENGLISH_WORDS = {
    "the", "a", "an", "is", "are", "was", "were", "be", "been", "to", "of", "and", "or", "in", "on", "at",
    "for", "with", "what", "how", "why", "when", "where", "who", "which", "do", "does", "did", "can", "could",
    "would", "should", "will", "i", "you", "he", "she", "it", "they", "we", "my", "your", "this", "that",
    "these", "much", "many", "job", "work", "pay", "need", "get", "make", "become",
}
_FOREIGN = {word for words in FOREIGN_WORDS.values() for word in words.split()} - ENGLISH_WORDS
_WORD = re.compile(r"[^\W\d_]+")


def written_in_english(text: str) -> bool:
    """False only when the text shows a sign of another language (see the module)."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return True
    latin = sum(unicodedata.name(ch, "").startswith("LATIN") for ch in letters)
    if latin < len(letters) / 2:
        return False
    words = [word.lower() for word in _WORD.findall(text)]
    foreign = sum(word in _FOREIGN for word in words)
    english = sum(word in ENGLISH_WORDS for word in words)
    return not (foreign >= 2 and foreign > english)
