"""Whisper prompts: words the caller is likely to say next, given as the text that came before.

A job of `speech.stt.SpeechToText` may carry a `Prompt` (the times just offered, the practice's
doctors, a date-of-birth primer). It goes before the start-of-transcript tokens as Whisper's
previous-text prompt (`<|startofprev|>` + `PROMPT_TOKENS` tokens, a short one led by neutral filler
words so that every prompt has one length), as faster-whisper's `initial_prompt`/`hotwords` do; jobs
in one batch may carry different prompts (one encoder run; one decoder run per prompt length, as
CTranslate2 wants the start-of-transcript token at one position across a batch).
A decode with a prompt that comes out as the prompt's own words, or as words the model itself
thinks are not speech, is decoded again without it (Whisper narrates a prompt over line noise):
`PromptTokens.echoes` tells.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from faster_whisper.tokenizer import Tokenizer

from speech.stt_decode import Reading, words

PROMPT_TOKENS = 40  # a prompt is a hint, not a transcript: its last tokens, every prompt this long
# What leads a shorter prompt: neutral words of a call's opening, cut from the left as Whisper's
# previous text always is. One length for every prompt keeps queued turns of different callers in
# one decoder run (CTranslate2 needs the start-of-transcript token at one position in a batch).
PROMPT_FILLER = (
    "Hello, thank you for calling, how can I help you today? Sure, I can help you with that. "
    "Let me have a look for you. One moment, please. Thank you for waiting, I have it here."
)
ECHO_NO_SPEECH = 0.3  # with a prompt, a no-speech probability over this is the prompt talking
ECHO_WORDS = 5  # a prompted transcript that is this many of the prompt's words in a row echoes it
CACHED_PROMPTS = 256  # prompts vary per call (names, times): the cache of their tokens stays small


@dataclass(frozen=True)
class Prompt:
    """Words likely in the next turn, given to Whisper as the text that came before it.

    `text` is written the way a transcript would read ("My date of birth is March 14, 1985." or
    "9 AM, 9:30 AM, Doctor Patel"). It may hold names of people, so it is kept out of `repr` and
    never logged; only its tokens reach the model.

    `answer`, when given, tells a transcript that has the expected answer's form (a whole date of
    birth, say) from one that does not. A decode without that form is redone as a beam search and
    the first of its alternatives that has it is taken (`speech.stt`): what Whisper found nearly
    as likely, never words of the prompt's choosing. The test is on form only, not on any value
    on file, so an answer can come out well-formed and still wrong.
    """

    text: str = field(repr=False)
    answer: Callable[[str], bool] | None = field(default=None, repr=False, compare=False)


class PromptTokens:
    """A `Prompt` as the tokens that go before the start of the transcript (cached per text)."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self._tokenizer = tokenizer
        self._cache: dict[str, tuple[int, ...]] = {}  # Prompt text -> its tokens (a few kinds)
        self._filler = tokenizer.encode(" " + PROMPT_FILLER)
        assert len(self._filler) >= PROMPT_TOKENS
        self.pad = True  # every prompt PROMPT_TOKENS long (False: as long as its text)

    def of(self, context: Prompt | None) -> tuple[int, ...]:
        """`<|startofprev|>` and the last `PROMPT_TOKENS` tokens of the prompt's text, a shorter one
        led by the tail of `PROMPT_FILLER` to that length (see `pad`); () for none."""
        text = " ".join((context.text if context is not None else "").split())
        if not text:
            return ()
        tokens = self._cache.get(text)
        if tokens is None:
            encoded = self._tokenizer.encode(" " + text)[-PROMPT_TOKENS:]
            if self.pad and len(encoded) < PROMPT_TOKENS:
                encoded = [*self._filler[len(self._filler) - (PROMPT_TOKENS - len(encoded)) :], *encoded]
            tokens = (self._tokenizer.sot_prev, *encoded)
            if len(self._cache) > CACHED_PROMPTS:
                self._cache.clear()
            self._cache[text] = tokens
        return tokens

    def echoes(self, prompt: tuple[int, ...], reading: Reading) -> bool:
        """The prompted decode looks like the prompt talking, not the caller: the model rates the
        audio as likely non-speech, or the text is a run of at least `ECHO_WORDS` of the prompt's
        own words in its order (a caller saying exactly that is decoded again, and the plain
        decode gives their words anyway; short answers such as "Yes, that's right." are left)."""
        if not reading.text:
            return False
        if reading.no_speech_prob > ECHO_NO_SPEECH:
            return True
        said = words(reading.text)
        primer = " ".join(words(self._tokenizer.decode(list(prompt[1:]))))
        return len(said) >= ECHO_WORDS and f" {' '.join(said)} " in f" {primer} "
