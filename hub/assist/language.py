"""Language detection, local and without the endpoint (``lingua-language-detector``).

The detector knows only ``ASSIST_LANGUAGES`` (twelve languages: fewer models loaded, less
memory, quicker and surer answers among the languages customers write) in lingua's
low-accuracy mode (trigram models only: about 30 MB and 0.1 s to build, against 330 MB and
1.7 s for the full models, and sure enough on a sentence), and is built on first use, not
at start-up. A text too short or too mixed to tell (below ``MIN_CONFIDENCE``) gives None:
not translating beats translating a message into its own language.
"""

from __future__ import annotations

import functools

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

from hub.models.account import ASSIST_LANGUAGES

#: Below this many letters a guess is too often wrong ("ok", "Hej!"): no answer.
MIN_LETTERS = 12
#: The least confidence (0-1, lingua's, over the twelve languages) to name a language:
#: a wrong guess would translate a message into the language it is already in.
MIN_CONFIDENCE = 0.6


def _language(code: str) -> Language:
    return Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))


@functools.cache
def _detector() -> LanguageDetector:
    languages = [_language(code) for code in ASSIST_LANGUAGES]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of ``text``'s language among ``ASSIST_LANGUAGES``, or None."""
    if sum(c.isalpha() for c in text) < MIN_LETTERS:
        return None
    ranked = _detector().compute_language_confidence_values(text)
    if not ranked or ranked[0].value < MIN_CONFIDENCE:
        return None
    return str(ranked[0].language.iso_code_639_1.name.lower())
