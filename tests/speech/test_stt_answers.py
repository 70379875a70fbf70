"""An expected answer's form (`Prompt.answer`): a transcript without it is looked for among a beam
search's alternatives; one with it, or a clip none of whose alternatives has it, is left alone."""

from __future__ import annotations

from speech.stt import SpeechToText
from speech.stt_prompt import Prompt
from tests.speech.audio_helpers import phone_line, wer

PRIMER = "My date of birth is September 21, 1967."
SAID = "My date of birth is March 14th, 1985"


async def test_a_transcript_with_the_form_needs_no_search(stt: SpeechToText, say) -> None:
    clip = phone_line(say(SAID))
    plain = await stt.transcribe(clip, 8000, context=Prompt(PRIMER))
    before = stt.decodes["alternatives"]
    formed = await stt.transcribe(clip, 8000, context=Prompt(PRIMER, answer=lambda text: "1985" in text))
    assert "1985" in plain.text
    assert formed.text == plain.text
    assert stt.decodes["alternatives"] == before


async def test_without_the_form_the_first_alternative_that_has_it_is_taken(stt: SpeechToText, say) -> None:
    clip = phone_line(say(SAID))
    plain = await stt.transcribe(clip, 8000, context=Prompt(PRIMER))
    before = stt.decodes["alternatives"]
    # A form only another reading of the same audio can have: whatever the greedy decode wrote
    # is refused, so the answer must come from the beam search, and still be these words.
    other = await stt.transcribe(clip, 8000, context=Prompt(PRIMER, answer=lambda text: text != plain.text))
    assert stt.decodes["alternatives"] == before + 1
    assert other.text and other.text != plain.text
    assert wer(SAID, other.text) <= 0.5, other.text


async def test_when_no_alternative_has_the_form_the_transcript_stays(stt: SpeechToText, say) -> None:
    clip = phone_line(say("Yes, that's right."))
    plain = await stt.transcribe(clip, 8000, context=Prompt(PRIMER))
    before = stt.decodes["alternatives"]
    kept = await stt.transcribe(clip, 8000, context=Prompt(PRIMER, answer=lambda _text: False))
    assert stt.decodes["alternatives"] == before + 1
    assert kept.text == plain.text


def test_the_form_is_no_part_of_a_prompts_identity() -> None:
    """Prompts are compared (and their tokens cached) by their words alone."""
    assert Prompt(PRIMER, answer=lambda _text: True) == Prompt(PRIMER)
