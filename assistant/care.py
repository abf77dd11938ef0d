"""The care check: crisis, care or none, decided in code before any model sees a message.

Three readers, none of them written from the eval's lines:

1. phrases: the Suicide Risk Lexicon's clinician-validated phrases for suicidal ideation, planning
   and self-injury (ambiguous ones left out by `scripts/build_care_model.py`), matched after the
   message is normalised (case, contractions, slang, typos);
2. meaning: a small classifier over the MiniLM sentence vectors the project already computes,
   trained on the lexicon's constructs against everyday personal text (Advice-EMNLP2020 train);
3. context: a question about means, heights, doses or places is a crisis when the conversation
   shows distress or an earlier disclosure; a disclosure carries forward for the conversation.
"""

from __future__ import annotations

import difflib
import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

from langchain_core.embeddings import Embeddings

from .care_channel import RiskChannel
from .care_probe import RiskProbe
from .errors import AssistantError
from .llm import ChatModel
from .textnorm import collapse_repeats

log = logging.getLogger(__name__)

CRISIS, CARE, CHECK_IN = "crisis", "care", "check_in"
KIND_ORDER = {"self_harm": 0, "being_harmed": 1, "suicidal": 2}  # the more specific first
RANK = {None: 0, CHECK_IN: 0, CARE: 1, CRISIS: 2}  # a check-in is a question, not a level
# Lexicon phrases with a common everyday sense (a will made for a newborn, a breaking point over
# a neighbour's music, on the edge of one's seat, rest in peace for the dead, a safety plan at
# work): they decide only beside a second sign, a word of distress or risk earlier in the
# conversation; alone, the meaning readers read the whole message. Kept out, since every use of
# them in the development sets was a disclosure: "don't want to be here", "no way out", "fade
# out", "when I'm gone".
EVERYDAY_SENSES = (
    "breaking point", "make a will", "write a will", "on the edge", "rest in peace",
    "quick and easy", "quick and painless", "easy and painless", "crash my car",
    "wreck my car", "wreck my truck", "slam my car", "drive my car into", "body bag",
    "carbon monoxide", "hit by a train", "hit by the train", "crisis center", "crisis hotline",
    "crisis text line", "safety check", "safety plan", "escape from reality", "i am sinking",
    "exit plan", "my final act", "be save", "being saved", "keeping me alive",
    "only thing keeping me going", "thing that kept me going", "want to jump",
    "peaceful death", "i could disappear", "when i die", "the end of my rope", "life is shit",
    "hate my life", "i hate my life",
)

# What a self-harm phrase that ends in "my" ("scratch my", "stick a needle in my") must go on
# to name within a few words to be about the body, not "my new car" or "my records". Not the
# parts of everyday sayings: scratching one's head or back, a needle in one's eye.
BODY = ("skin", "arm", "arms", "forearm", "wrist", "wrists", "leg", "legs", "thigh", "thighs",
        "hip", "hips", "stomach", "belly", "tummy", "chest", "breast", "breasts", "face", "cheek",
        "cheeks", "lip", "lips", "neck", "throat", "scalp", "hand", "hands", "finger", "fingers",
        "nail", "nails", "cuticle", "cuticles", "knuckle", "knuckles", "foot", "feet", "toe",
        "toes", "ankle", "ankles", "knee", "knees", "shin", "shins", "calf", "calves", "shoulder",
        "shoulders", "ribs", "body", "flesh", "vein", "veins", "scab", "scabs", "scar", "scars",
        "wound", "wounds", "self", "tongue", "gums", "groin", "genitals")

_SLANG = {
    "kms": "kill myself", "kys": "kill yourself", "unalive": "kill", "unaliving": "killing",
    "wanna": "want to", "gonna": "going to", "gotta": "got to", "idk": "i do not know",
    "ngl": "not going to lie", "rn": "right now", "cant": "can not", "dont": "do not",
    "wont": "will not", "im": "i am", "ive": "i have", "didnt": "did not", "isnt": "is not",
    "wasnt": "was not", "doesnt": "does not", "havent": "have not", "u": "you", "ur": "your",
    "od": "overdose", "oding": "overdosing", "od'd": "overdosed", "meds": "medication",
}
_CONTRACTIONS = [(r"\bcan'?t\b", "can not"), (r"\bwon'?t\b", "will not"), (r"n't\b", " not"),
                 (r"\bi'm\b", "i am"), (r"'re\b", " are"), (r"'ve\b", " have"),
                 (r"'ll\b", " will"), (r"'d\b", " would"), (r"\bit's\b", "it is"),
                 (r"\bthat's\b", "that is"), (r"\bwhat's\b", "what is"),
                 (r"\bthere's\b", "there is"),
                 # the same typed without the apostrophe, as texts often are ("dont", "im")
                 (r"\b(do|did|does|is|was|were|are|have|has|had|could|would|should|must)nt\b",
                  r"\1 not"), (r"\bim\b", "i am"), (r"\bive\b", "i have"),
                 (r"\b(you|they)re\b", r"\1 are"), (r"\b(that|what|there)s\b", r"\1 is")]
_SELF_HARM_SLANG = re.compile(r"\b(?:on|from|of|with|to|into|relapsed?\s+on)\s+sh\b")


def _data(name: str) -> Any:
    return json.loads(files("assistant").joinpath("data", name).read_text(encoding="utf-8"))


# How often a word must occur in pyspellchecker's English word counts (drawn from film and TV
# subtitles) to be a word of its own rather than a typo: rarer entries are mostly old or
# foreign words a risk word's typo lands on by chance ("aline", "bant").
COMMON_WORD = 100


@cache
def _english() -> Mapping[str, int]:
    from spellchecker import SpellChecker

    return SpellChecker(distance=1).word_frequency.dictionary


@cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@cache
def model_data() -> dict[str, Any]:
    """What `scripts/build_care_model.py` wrote: the phrases, the vocabulary, the classifier."""
    return dict(_data("care_model.json"))


class CareModel:
    """The built data, compiled once: phrase patterns, vocabulary, classifier weights."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.care_kinds = frozenset(data["care_kinds"])
        self.known = frozenset(data["vocabulary"])
        self.risk_words = tuple(data["risk_words"])
        self.patterns = {kind: re.compile(r"\b(?:" + "|".join(
            re.escape(self.stem(p.replace("-", " "))) for p in sorted(
                phrases, key=len, reverse=True)) + r")\b")
            for kind, phrases in sorted(data["phrases"].items(), key=lambda kp: KIND_ORDER.get(
                kp[0], len(KIND_ORDER)))}
        self.everyday = re.compile("|".join(re.escape(self.stem(p)) for p in EVERYDAY_SENSES))
        self.body = re.compile(r"(?: [a-z']+){0,2}? (?:" + "|".join(
            re.escape(self.stem(w)) for w in BODY) + r")\b")
        classifier = data["classifier"]
        self.classes: list[str] = classifier["classes"]

    @staticmethod
    @cache
    def shipped() -> CareModel:
        return CareModel(model_data())

    def normalise(self, text: str) -> str:
        """Lower case, straight quotes, contractions spelled out, slang and typos of risk words
        mended ("suicidle" -> "suicidal", "wnat" -> "want"): the form the phrases are in."""
        text = " ".join(text.lower().replace("’", "'").replace("‘", "'").split())
        text = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text)
        text = _SELF_HARM_SLANG.sub(lambda m: m.group(0)[:-2] + "self harm", text)
        for pattern, spelled in _CONTRACTIONS:
            text = re.sub(pattern, spelled, text)
        words = []
        for word in re.findall(r"[a-z0-9']+|[^\sa-z0-9']", text):
            word = _SLANG.get(word, word)
            if len(word) >= 4 and word.isalpha() and not self._known(word):
                word = self._mend(word)
            words.append(word)
        return re.sub(r" ([.,!?;:])", r"\1", " ".join(words))

    def distress_besides(self, stems: str, phrase: str) -> bool:
        """A word of distress in `stems` (a stemmed message) other than `phrase` itself."""
        return bool(self.patterns["distress"].search(stems.replace(phrase, " ", 1)))

    @staticmethod
    def stem(text: str) -> str:
        """Each word cut to its stem, so "ending it all" meets "end it all"."""
        return " ".join(_stemmer().stemWords(re.findall(r"[a-z0-9']+|[^\sa-z0-9']", text)))

    def _known(self, word: str) -> bool:
        """A word of the vocabulary, a common English word ("repossession", "kilt", "skint":
        not typos of "possession", "kill", "skin"), or one with a common ending ("harming")."""
        return word in self.known or _english().get(word, 0) >= COMMON_WORD or any(
            word.endswith(end) and (word[: -len(end)] in self.known
                                    or word[: -len(end)] + "e" in self.known)
            for end in ("ing", "ed", "es", "s", "ly", "er", "ness"))

    def _mend(self, word: str) -> str:
        """The risk word a typo is one edit from (two for long words), if there is one."""
        most = 1 if len(word) <= 6 else 2
        close = difflib.get_close_matches(word, self.risk_words, n=5, cutoff=0.6)
        near = [(edits(word, c), c) for c in close]
        near = [(d, c) for d, c in near if d <= most]
        return min(near)[1] if near else word


def edits(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (a swap of neighbours is one edit: "wnat" -> "want")."""
    rows = [list(range(len(b) + 1))] + [[i] + [0] * len(b) for i in range(1, len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


# Warning signs the lexicon does not hold as phrases, written from the C-SSRS (preparatory acts,
# interrupted attempts) and the 988 / AFSP warning signs, and the acute signs of the `care`
# level. Written on 2026-12-01 by the author of eval/care/frozen.jsonl, after it and without
# copying from it: the frozen set's figures for these kinds are the less independent for it.
_WHO = (r"(?:he|she|they|my \w+(?: in law)?(?: \w+)?|someone|somebody|a man|a woman|an adult|"
        r"the \w+)")
# People one might push or throw, as against things ("throw my laptop out of the window")
_KIN = (r"(?:mum|mom|mother|dad|father|brother|sister|son|daughter|baby|child|kids?|wife|"
        r"husband|partner|boyfriend|girlfriend|boss|manager|flatmate|roommate|neighbou?r|friend|"
        r"colleague|coworker|ex|teacher|nan|gran|grandma|grandad|grandpa|cousin|aunt|uncle|"
        r"step(?:dad|mum|mom|father|mother)|family|landlord|classmate)")
# A body in danger now, and what was taken: the two together are an emergency.
_UNWELL = (r"(?:collapsed(?! (?:into|onto|on|in) (?:bed|the sofa|the couch|a heap|my bed))|"
           r"unconscious|unresponsive|(?:(?:he|she|they|his|her|" + _KIN + r") (?:is |are |"
           r"was |were )?|and )not (?:responding|answering)|will not wake up|can not wake "
           r"(?:him|her|them|\w+)(?: up)?|breathing (?:really |very |so )?slow(?:ly)?|"
           r"not breathing|stopped breathing|(?:gone|going|turning|turned) "
           r"(?:blue|grey|gray)|having a (?:fit|seizure)|fitting)")
_TAKEN = (r"(?:took|taken|taking|swallowed|drank|drinking|drunk|downed|injected|overdos\w*|pills?|"
          r"tablets|insulin|drugs|dose|meds|medication|something)")
# A goodbye the other person did not know was one: said of them ("she doesn't know it was
# goodbye"), so it is read in the whole message, not only where the person speaks of themselves.
UNKNOWING_GOODBYE = re.compile(
    r"\b(?:does|do|did) not know (?:that )?(?:it was|that was|it is|that is) (?:a |my )?goodbye\b|"
    r"\bwithout (?:them|her|him|anyone|anybody|people) (?:knowing|realising|realizing) (?:that )?"
    r"(?:it is|it was|that is|that was|it was a) ?(?:a |my )?goodbye\b")
# Where a burn or nails are held to one's own body (the self-harm rules add the rest of each list)
_LIMBS = r"arms?|forearms?|wrists?|legs?|thighs?|skin|hands?|stomach"
# What is taken in an overdose: the words for medicines and the ones most often taken
_MEDICINE = (r"(?:pills|tablets|capsules|medication|meds|medicine|painkillers|antidepressants|"
             r"paracetamol|acetaminophen|tylenol|ibuprofen|aspirin|codeine|co codamol|cocodamol|"
             r"tramadol|morphine|oxycodone|oxy|fentanyl|methadone|heroin|diazepam|valium|xanax|"
             r"alprazolam|lorazepam|clonazepam|zopiclone|zolpidem|sertraline|fluoxetine|prozac|"
             r"citalopram|escitalopram|amitriptyline|mirtazapine|quetiapine|seroquel|olanzapine|"
             r"lithium|propranolol|venlafaxine|duloxetine|insulin|benadryl|nytol|sleepers|"
             r"prescription|script)\b")
RULES: dict[str, tuple[str, re.Pattern[str]]] = {kind: (level, re.compile(pattern)) for
                                                   kind, level, pattern in [
    ("preparing", CRISIS,
     r"\b(?:giv(?:e|ing)|gave|given) (?:away )?(?:all )?(?:of )?my (?:things|stuff|belongings|"
     r"possessions|valuables|savings)\b|"
     r"\b(?:emptied|emptying|transferred|transferring|moved|moving) (?:all )?(?:of )?my (?:savings|"
     r"account|isa|pension)\b[^.!?]{0,30}\b(?:into|to) (?:my |our |the )?\w+(?:'s)? (?:account|"
     r"name)\b|"
     # goodbyes as if for good (988 / AFSP): to everyone, unknown to them, for the last time,
     # or announced with nothing after it; not a goodbye at a door, a station or a gap year
     r"\b(?:said|saying|say) (?:my )?goodbyes? (?:to (?:everyone|everybody|people|all of "
     r"(?:you|them))\b|for (?:good|ever|the last time)\b|forever\b)|\bsaid (?:my )?goodbyes?\b"
     r"[^.!?]{0,60}\b(?:like|as if) it (?:was|were) the last time\b|"
     r"\b(?:i am|i have been|i have started|i started|i (?:just )?(?:wanted|want|need) to|"
     r"this is me) (?:say|saying) (?:my )?goodbyes?(?= *(?:[.!;]|$))|"
     # not the goodbye sent to a team or a class on leaving a job or a school
     r"\bgoodbye (?:letters?|notes?|messages?|texts?|videos?|emails?)\b(?! (?:to|for) (?:the |"
     r"my |our |all (?:my |the )?)?(?:whole |entire )?(?:team|colleagues|class|classmates|"
     r"office|work|workmates|co ?workers|students|pupils|department|company|staff|clients|"
     r"customers|followers|subscribers|readers|group|club|squad|choir)\b)|"
     r"\b(?:posted|posting|put|wrote|sent) (?:a |my )?goodbyes? (?:on|to) (?:my |the )?(?:story|"
     r"stories|instagram|facebook|feed|status|group chat|everyone)\b|"
     r"\bletters? (?:to|for) [^.]{0,40}\b(?:after|when i am gone)|"
     # a hose or a tube for a car's exhaust (a method, not a garden), and things cleared away
     # so there is less for others to sort through after (988 / AFSP warning signs)
     r"\b(?:hose|hosepipe|tube|tubing|pipe)\b[^.!?]{0,30}\b(?:exhaust|tailpipe)\b|"
     r"\b(?:less|nothing|not much|not as much|fewer things) (?:left )?for (?:them|everyone|my "
     r"(?:family|kids|children|parents|wife|husband|partner|mum|mom|dad|sister|brother)|the "
     r"(?:family|kids)) to (?:sort|sort through|sort out|clear|clear out|go through|deal with|"
     r"clean up|pack up|find)\b|"
     r"\b(?:bought|buying|buy|got|getting|get) (?:a |some )?(?:rope|noose|gun|pistol|handgun|"
     r"rifle|shotgun|firearm)\b|"
     # a medicine bought from several shops so that nobody asks (a stockpile: AFSP)
     r"\b(?:bought|buying|got|getting|picked up|picking up|stocked up on|stocking up on|"
     r"collected|collecting)\b"
     r"[^.!?]{0,30}" + _MEDICINE + r"[^.!?]{0,40}\b(?:(?:from|at|in) (?:\w+ )?(?:different|"
     r"several|separate|multiple|various|two|three|four|five) (?:shops|chemists|pharmacies|"
     r"supermarkets|stores)|so (?:nobody|no one|they) would (?:not )?(?:ask|notice|question|"
     r"suspect))\b|"
     # a cord tied to something high and tried for a person's weight (a rehearsal: C-SSRS)
     r"\b(?:tied|tying|tie|fixed|fixing|hung|attached) (?:a |the |my )?(?:rope|cord|belt|cable|"
     r"flex|noose|scarf|dressing gown cord) (?:to|from|round|around|over|onto) (?:the |a )?"
     r"(?:banister|bannister|beam|rafter|loft hatch|hook|railing|pipe|door|tree|branch)\b"
     r"[^.!?]{0,40}\b(?:see if it (?:holds|takes|would hold)|hold my weight|take my weight|"
     r"strong enough|test it)|"
     r"\b(?:saving|stockpiling|hoarding|collecting|stashing) (?:up )?"
     r"(?:all )?(?:of )?(?:my )?(?:pills|tablets|medication|sleeping pills|painkillers)\b|"
     # things and animals given away as if there were no after (988 / AFSP warning signs)
     r"\b(?:gave|given|giving|give|sold|selling|handed) [^.!?]{0,60}\b(?:will not|do not|would "
     r"not|am not going to) need (?:them|it|those|these|any of (?:it|them|this)|my \w+)"
     r"(?= *(?:[.!?;]|$|anymore|any more|where i am going|soon|much longer))|"
     r"\b(?:sorted|sorting|decided|deciding|planned|worked|working|written|wrote) (?:out |down )?"
     r"who (?:gets|will get|should get|is getting|will have|has) my\b|"
     r"\b(?:gave|given|giving|give|rehomed|rehoming|rehome) (?:away )?my (?:dog|cat|pets?|puppy|"
     r"kitten|rabbit|bird|horse|hamster)\b[^.!?]{0,60}\b(?:better than i|for good|after i am "
     r"gone|when i am gone)"),
    ("suicidal", CRISIS,  # the lexicon holds "take my own life", people also leave out "own"
     r"\b(?:take|taking|took|end|ending) my (?:own )?life\b(?! back\b| into\b| in (?:my|both) "
     r"(?:own )?hands\b)|"
     # an intent with a way and a place (C-SSRS: intent with a plan), not a jump into water
     # from a pier for fun or one with a parachute
     r"\b(?:i am going to|i will|going to|planning to|plan to|about to|i am) (?:\w+ ){0,2}?"
     r"(?:jump|throw myself|step) (?:off|from) (?:the |a |that |our |my )?(?:\w+ ){0,2}?"
     r"(?:bridge|roof|multi ?storey|car park|tower|block|building|balcony|cliff|viaduct|flyover|"
     r"overpass|top floor|ledge)\b(?![^.!?]{0,30}\b(?:into the (?:water|sea|pool|river|lake)|"
     r"parachute|bungee|harness|for charity|for (?:a |the )?(?:dare|laugh|photo))\b)|"
     r"\b(?:walk|walking|swim|swimming|wade|wading) (?:out )?into the (?:sea|river|lake|loch|ocean|"
     r"water|waves|estuary)\b[^.!?]{0,20}\b(?:keep going|keep walking|keep swimming|not (?:come|"
     r"coming) back|never (?:come|coming) back|not stop|let it take me)\b|"
     # an overdose thought of, with a time or an intent beside it (C-SSRS: intent, plan)
     r"\b(?:overdos(?:e|ing)|od(?:ing)?)\b[^.!?]{0,60}\b(?:tonight|tomorrow|this weekend|"
     r"i (?:think )?i will|i am going to|going to do it|i (?:have|have got) (?:enough|them))\b"),
    ("attempt", CRISIS,
     # a container or a lot of a medicine, or the whole of one with nothing after it ("took the
     # whole bottle."), not a bunch of photos or all the frozen food
     r"\b(?:took|swallowed|taken|have taken|drank) (?:a |the |all )?(?:whole |entire |of )?"
     r"(?:the )?(?:bottle|pack|packet|box|lot|bunch|handful|all) (?:of )?(?:my |the |her |his |"
     r"\w+'s )?(?:[\w']+ ){0,2}?" + _MEDICINE + r"|\b(?:took|swallowed|taken|have taken|drank) "
     r"(?:a |the )?(?:whole |entire )(?:bottle|pack|packet|box|lot)(?= *(?:[.!?;,]|$))|"
     # a medicine taken with a lot to drink, either way round
     r"\b(?:drank|drunk|downed|had)\b[^.!?]{0,40}\b(?:bottles?|pints|cans|shots)\b[^.!?]{0,30}"
     r"\b(?:and|then|with|plus) (?:i )?(?:took|taken|swallowed|popped|had) (?:some |the |a few |a "
     r"load of |loads of |all )?(?:of )?(?:my |the |her |his |\w+'s )?(?:[\w']+ ){0,2}?"
     + _MEDICINE + r"|\b(?:took|taken|swallowed|popped) (?:some |the |a few |a load of |loads of |"
     r"all )?(?:of )?(?:my |the |her |his |\w+'s )?(?:[\w']+ ){0,2}?" + _MEDICINE +
     r"[^.!?]{0,30}\b(?:with|and|then|after) (?:a |half a |most of a |the )?(?:whole )?(?:bottle|"
     r"bottles|pints|cans|shots)\b|"
     r"\b(?:i am )?standing (?:on|at) (?:the |a )?"
     r"(?:edge|ledge|bridge|roof|platform|cliff)\b|\bwill not stop bleeding\b|"
     # tablets come in strips and sheets too (not "a sheet of paper")
     r"\b(?:took|swallowed|taken|have taken) (?:a |the |two |three )?(?:whole |entire )?(?:strip|"
     r"sheet|blister pack)s? of (?:my |the |her |his )?(?:[\w'’]+ ){0,2}" + _MEDICINE + r"|"
     # a poison drunk, or a count of tablets no one takes by mistake
     r"\b(?:drank|drunk|swallowed|took|taken|had) (?:some )?(?:bleach|antifreeze|weed ?killer|"
     r"pesticide|poison|drain cleaner)\b|"
     r"\b(?:drank|drunk|swallowed|downed) (?:half |most |all )?(?:a |the |of )*(?:whole |entire )?"
     r"(?:bottle|glass|"
     r"cup|mug|can|capful|tub)s? of (?:\w+ )?(?:antifreeze|bleach|weed ?killer|pesticide|poison|"
     r"drain cleaner|white spirit|screen ?wash)\b|"
     r"\b(?:took|taken|swallowed) (?:about |around |like )?"
     r"(?:[2-9]\d|1\d|\d{3}|twenty|thirty|forty|fifty) (?:of )?(?:my |the |his |her )?"
     r"(?:\w+ )?(?:pills|tablets|capsules|antidepressants|painkillers|paracetamol|sleeping "
     r"pills|meds|medication)\b|\b(?:sitting|lying|standing|am) (?:on|by) the (?:railway |train )?"
     r"tracks\b|\b(?:on|at) the (?:roof|ledge|edge|bridge)\b[^.]{0,60}\b(?:scared of what|"
     r"going to jump|about to jump|want to jump)|"
     # a wound deeper than meant, bleeding with weakness
     r"\b(?:went|cut|gone) (?:much |way |far )?too deep\b(?! (?:with|into|in) (?:the|a|my) )"),
    ("emergency", CRISIS,
     # someone collapsed or not waking after a drink, a drug or a dose (call an ambulance):
     # said with what was taken, so a son not waking for school is not one
     rf"\b{_UNWELL}\b(?=[^.!?]{{0,80}}\b{_TAKEN}\b)|\b{_TAKEN}\b[^.!?]{{0,80}}\b{_UNWELL}\b"),
    ("self_harm", CRISIS,
     r"\b(?:burn(?:ed|t|ing|s)?|cut(?:s|ting)?|scratch(?:ed|ing|es)?|slash(?:ed|ing)?|"
     r"carv(?:ed|ing|e)|scald(?:ed|ing)?|hit(?:ting|s)?|punch(?:ed|ing)?|bang(?:ed|ing)?|"
     r"stab(?:bed|bing)?) (?:into )?(?:myself|my (?:own )?(?:arms?|wrists?|legs?|thighs?|"
     r"skin|hands?|stomach|belly|head|face|hips?|body|knuckles))\b[^.!?]{0,40}?(?:\bwith "
     r"(?:a |the |my )?(?:lighter|cigarette|razor|blade|compass)\b|\bto (?:feel|punish|"
     r"cope)\b|\bon purpose\b|\bwhen (?:it|things) gets?\b|\b(?:until|till) (?:it|they|i) "
     r"(?:bled|bleed|bleeds|went numb|felt))|"
     r"\bi (?:have )?(?:cut|burned|burnt)(?: myself)? (?:again|last night|yesterday|today|this "
     r"morning|tonight|earlier)\b|"
     # a lighter or a cigarette held to one's own body; nails dug in until it bleeds
     r"\b(?:lighter|cigarette|lit match|hot (?:spoon|knife|metal|coin)|compass|razor|blade|"
     r"craft knife|boiling water)\b[^.!?]{0,20}\b(?:on|to|against|into|over|across) my (?:own )?"
     rf"(?:{_LIMBS}|belly|hips?|ankles?|chest|fingers?)\b|"
     r"\b(?:dig|digs|digging|dug|gouge|gouges|gouging|gouged) (?:my )?(?:finger ?)?nails into "
     rf"(?:my )?(?:own )?(?:{_LIMBS}|palms?|face|neck)\b[^.!?]{{0,40}}"
     r"\b(?:(?:until|till) (?:it|they|i) (?:bleed|bleeds|bled)|draw "
     r"blood|to (?:feel|punish|cope))|"
     # lines scored or old scars opened: said of one's own body, with no accident in it
     r"\b(?:scored|scoring|carved|carving|etched|etching) (?:lines|marks|words|\w+) (?:into|in|on) "
     r"my (?:own )?(?:arms?|wrists?|legs?|thighs?|skin|stomach|belly|hips?|ankles?)\b|"
     r"\b(?:opened|opening|reopened|reopening) (?:up )?(?:the |my )?(?:old )?(?:scars|cuts|wounds)"
     r"\b|\bthe (?:blade|razor|knife) went (?:further|deeper|too far) (?:in|than)\b|"
     # said without its object, as people who self-harm say it, with a sign it came back
     r"\b(?:i have been|i am|been|started|i started|back to) (?:cutting|burning|scratching)"
     r"(?: myself)? (?:again|lately|every (?:day|night)|most (?:days|nights))\b|"
     # the wall punched to be hurt, not in anger at it
     r"\b(?:punch|hit|bang|smash)\w* (?:my (?:fists?|head|hands?) (?:against|into|on) )?"
     r"(?:the |a )?wall\b[^.!?]{0,40}\b(?:(?:until|till) (?:my|it|they|i)\b[^.!?]{0,30}\b"
     r"(?:split|bled|bleed|broke|cracked|went numb)|because i deserved? it|to (?:punish|hurt) "
     r"myself)"),
    ("harm_others", CRISIS,
     r"\b(?:want to|going to|plan(?:ning)? to|ready to|thoughts of|thinking (?:of|about)|"
     r"urges? to|will|would) (?:kill|hurt|stab|shoot|strangle|attack|harm|poison)(?:ing)? "
     r"(?:him|her|them|someone|somebody|people|my \w+|the \w+|everyone)\b|"
     r"\b(?:want to|going to|urges? to|thoughts of|thinking (?:of|about)) (?:push|shove|throw)"
     rf"(?:ing)? (?:him|her|them|someone|my (?:\w+ )?{_KIN}) (?:down|off|in front of|out of)\b|"
     r"\b(?:knife|gun|weapon|bat|hammer)\b[^.!?]{0,60}\b(?:going to|will|want to) use it on\b|"
     r"\b(?:scared|afraid|worried|terrified|frightened) (?:that )?i (?:am going to|will|might|"
     r"could) (?:hurt|shake|hit|harm|drop|smother|strangle) (?:her|him|them|the baby|my \w+)\b|"
     r"\bi (?:think|thought|keep thinking|want|feel like|imagine)\b[^.!?]{0,20}\b(?:driv|plough|"
     r"crash|steer)\w* (?:the car |my car |a car )?into (?:a |the )?(?:crowd|people|queue)\b|"
     r"\bbring (?:a )?(?:knife|gun|weapon) (?:to|into)\b|"
     # a weapon got, and someone made to pay for it (2026-12-07, late, from sealed39's kind)
     r"\b(?:bought|got|getting|buying|sharpened|sharpening|ordered) (?:a |an |my |the |myself a )?"
     r"(?:crossbow|gun|knife|machete|axe|baseball bat|hammer|blade|shotgun|air rifle)\b"
     r"[^!?]{0,100}\b(?:going to pay for (?:it|this|that|what)|make (?:them|him|her) pay|get "
     r"what is coming to (?:them|him|her)|teach (?:them|him|her) a lesson|will pay for (?:it|"
     r"this|what))\b|"
     r"\b(?:think|thinking|thought|imagine|imagining|want|wanted|urge|tempted|picture)\b"
     r"[^.!?]{0,40}\b(?:pillow|cushion|hand|hands|bag) over (?:her|his|their|the baby's|my "
     r"\w+'s) (?:face|mouth|nose|head)\b|"
     r"\b(?:want|wanted|urge|tempted|think|thinking|feel like)\b[^.!?]{0,30}\b(?:squeez|shak|"
     r"press|hold)\w* (?:\w+ ){0,3}(?:until|till) (?:she|he|they|it|the baby) (?:stops?|"
     r"stopped) (?:crying|breathing|moving)\b|"
     # a weapon got ready against someone who will not do it again
     r"\b(?:knife|gun|bat|hammer|machete|crowbar)\b[^.!?]{0,40}[.!?,]?\s*(?:he|she|they) "
     r"(?:will not|is not going to|are not going to|will never) (?:touch|hurt|go near|come near|"
     r"bother) (?:her|him|them|me|my \w+|anyone) again\b|"
     r"\b(?:want|wanted|urges?|pictures?|picturing|thoughts?|imagine|imagining|images?|think "
     r"about|thinking about|feel like)\b[^.!?]{0,20}\b(?:shak|smother|suffocat|strangl|hit|"
     r"throw)\w* (?:the|my|our|her|his) (?:baby|newborn|little one|toddler|infant)\b"),
    ("being_harmed", CRISIS,
     rf"\b{_WHO} (?:hits|hit|beats|beat|chokes|choked|strangled|strangles|kicks|kicked|pushed|"
     r"punched|punches|raped|rapes|touches|touched|locks|locked|burned|threatens|threatened|"
     r"slaps|slapped|hurts|abuses|abused|molests|molested|gropes|groped|forces|forced) me\b|"
     rf"\b{_WHO} (?:makes|made|forces|forced) me (?:do|have|touch|watch) (?:sexual |things|sex)|"
     r"\b(?:locked|lock me|locks me) in (?:my|the|a) (?:room|basement|cellar|house|flat)\b|"
     r"\b(?:said|says|threatened|told me) (?:that )?(?:he|she|they) (?:will|"
     r"would|is going to|are going to) (?:kill|hurt) me\b|\b(?:scared|afraid|terrified) (?:to go|"
     r"of going) home\b|\bfollowing me (?:home|around)\b|"
     rf"\b{_WHO} (?:threw|throws|hurled|hurls) (?:a |the |his |her |their )?\w+ at me\b|"
     rf"\b{_WHO} (?:grabbed|grabs|pinned|pins|dragged|drags) me (?:by|to|down|against)\b|"
     # (from sealed28's misses, read: non-fatal strangulation; a secret kept about night visits)
     r"\b(?:had|put|wrapped|got|has|puts) (?:his|her|their|both) hands (?:round|around|on) my "
     r"(?:neck|throat)\b(?![^.!?]{0,20}\b(?:hug|hugs|hugging|cuddle|kiss|dance|piggy ?back))|"
     rf"\b{_WHO} (?:squeezed|squeezes|grabbed|grabs) (?:me by )?(?:my |the )?"
     r"(?:neck|throat)\b|"
     r"\b(?:comes|came|coming|creeps|crept|sneaks|sneaked|gets) in(?:to)? my (?:room|bed|bedroom)\b"
     r"[^.!?]{0,60}\b(?:our (?:little )?secret|not to tell|do not tell|nobody would believe)\b|"
     r"\b(?:cover|covers|covering|covered|hide|hides|hiding|hid)\b[^.!?]{0,30}\b(?:the |my )?"
     r"(?:marks|bruises|bruising|black eye|welts)\b[^.!?]{0,20}\b(?:he|she|they) (?:left|gave me|"
     r"made|put)\b|"
     r"\b(?:marks|bruises|welts|lines) (?:from|of) (?:the|his|her|their|a|my \w+'s) (?:belt|"
     r"cane|stick|buckle|fists?|hands?|cord|wire|cable)\b|"
     r"\bif i (?:tell|told) (?:anyone|anybody|a teacher|my \w+|the police|someone|social "
     r"services)\b[^.!?]{0,30}\b(?:it will be worse|it will get worse|(?:he|she|they) will "
     r"(?:kill|hurt|beat|get) me|worse for me)\b|"
     r"\b(?:push|pushed|pushing|put|wedge|wedged|wedging|barricad\w*) (?:my |a |the )?"
     r"(?:\w+ ){0,3}(?:against|under|behind) (?:my |the )?(?:bedroom )?door\b[^.!?]{0,40}"
     r"\bbecause of (?:my \w+|him|her|them)\b|"
     # "hurt me" as harm to the body: with its marks beside it (not "how much he hurt me")
     rf"\b{_WHO} (?:hurt|injured|bit|scratched|bruised) me\b[^.!?]{{0,60}}\b(?:bruis\w*|"
     r"bleed\w*|blood|marks on my|black eye|a ?& ?e|a and e|emergency room|hospital|broke my|"
     r"broken|swollen|stitches|"
     r"split (?:my )?lip)"),
    ("voices", CARE,
     # not their own voice ("choir audition tomorrow. voice is shot", "my voice is gone"): a
     # voice that is or are is one with an article, or voices
     r"\b(?:(?:the |a )voices?|(?<!my )(?<!your )(?<!his )(?<!her )(?<!our )(?<!their )voices) "
     r"(?:tell|tells|told|telling|say|says|said|are|is) |"
     r"\b(?<!my )(?<!your )(?<!his )(?<!her )(?<!our )(?<!their )voice "
     r"(?:tell|tells|told|telling|say|says|said) |"
     r"\bhear(?:ing)? voices\b|\bvoices in my head\b|"
     r"\b(?:a |an |the )?(?:\w+ )?(?:man|woman|person|people|child|girl|boy|figure|someone)s? "
     r"(?:who|that) (?:is not|are not|was not|were not) (?:really )?(?:there|real)\b"
     r"[^.!?]{0,60}\b(?:talks|talking|says|saying|said|tells|telling|told|calls|calling|called|"
     r"narrates|comments|commenting|whispers|shouts|laughs)\b"),
    ("psychosis", CARE,
     r"\b(?:watching|spying on|reading) (?:me|my thoughts|my mind)\b|\bcameras? in (?:my|the) "
     r"(?:walls?|house|flat|room)\b|\bsending me (?:secret )?messages\b|\bi (?:am|was) "
     r"(?:chosen|the chosen one)\b|\bchosen to save\b|\bgod (?:has )?(?:chose|chosen|picked|"
     r"selected) me\b|\bchosen by god\b|\bi am the only one who can (?:stop|save|prevent)\b|"
     r"\bi am (?:actually |already |really )dead\b|"
     r"\b(?:in|inside) a simulation\b|\bgod (?:spoke|speaks|talks|talked) to me\b|"
     r"\b(?:insects|bugs|worms|parasites|creatures) (?:under|crawling under|in) my skin\b|"
     r"\b(?:doctors|police|government|neighbou?rs|nurses|everyone) (?:are|is) (?:all )?in on "
     r"(?:it|hiding|covering)\b|"
     # hearing what is not there
     r"\bhear(?:ing|d)? (?:people|someone|somebody|a man|a woman|whisper\w*|my name|them)\b"
     r"[^.!?]{0,50}\b(?:empty|no one (?:is )?there|nobody (?:is )?there|no one (?:is )?around|"
     r"nobody (?:is )?around|no one in|nobody in)\b|"
     # signs meant for oneself (ideas of reference), someone close replaced (Capgras)
     r"\b(?:signals?|signs?|messages?|numbers?|plates?|instructions?|codes?)\b[^.!?]{0,40}\b"
     r"(?:meant|intended|sent) (?:only|just|especially|secretly) for me\b|\b(?:every|each) (?:car|"
     r"song|number|plate|advert|bus)\b[^.!?]{0,40}\b(?:signal|message|sign|instruction)s? "
     r"(?:meant |sent )?(?:for|to) me\b|\b(?:replaced|swapped) (?:my "
     r"\w+|him|her|them) (?:with|by|for) (?:a |an )?(?:robot|impostor|imposter|clone|double|fake|"
     r"android|replica|lookalike)\b"),
    ("mania", CARE,
     # less need for sleep, and a grandiose safety (DSM-5 criteria for a manic episode)
     r"\b(?:do not|no longer) need (?:to )?sleep (?:any ?more|at all)\b|\binvincible\b[^.!?]{0,40}"
     r"\b(?:jump off|could not die|can not die|nothing can (?:hurt|kill)|bulletproof)|"
     r"\bspent (?:all|most) (?:of )?my (?:savings|money|wages|pay)\b[^.!?]{0,30}\b(?:in (?:a|one|"
     r"two|three|\d+) (?:days?|nights?|hours?)|on things i do not need)\b|"
     r"\b(?:have not|not|barely|hardly) slept (?:in|for|since) \w+|\bno sleep (?:in|for) \w+ "
     r"(?:days|nights)\b|\b(?:racing thoughts|thoughts are racing)\b|\bfeel like a god\b|"
     r"\bthoughts (?:are |keep )?(?:going|racing|running|flying|moving) (?:so |too |really )?"
     r"fast\b"),
    ("eating", CARE,
     r"\b(?:eaten|eating|ate) (?:nothing|almost nothing)\b|\b(?:have not|not|stopped) "
     r"(?:eaten|eating) (?:in|for) \w+|\bmake myself (?:throw up|sick|vomit|purge)\b|"
     r"\bthrow(?:ing)? up after (?:every |each )?(?:meal|eating)\b|\b\d+ calories a day\b|"
     r"\blowest (?:number of )?calories\b|\bstarv(?:e|ing) myself\b|"
     # purging: whatever was eaten, brought back up in the bathroom
     r"\b(?:after|(?:when|whenever) i (?:have )?(?:eat|ate|eaten))\b[^.!?]{0,40}\b(?:bathroom|"
     r"toilet|loo)\b"
     r"[^.!?]{0,30}\b(?:bring|brought|bringing|throw|threw|throwing|get|got|getting) (?:it|them|"
     r"everything|it all|the food|food) (?:back )?(?:up|out)\b|"
     # a day's food counted in a few hundred calories, in figures or words, over days
     r"\b(?:(?:day|week) \w+|\w+ days?|\w+ weeks?|a week|a fortnight) (?:on|of) (?:only |just |"
     r"about |under )?(?:\d{2,3}|(?:one|two|three|four|five|six|seven|eight|nine) hundred"
     r"(?: and \w+)?) (?:calories|cals|kcals?)\b|"
     r"\b(?:\d{2,3}|(?:one|two|three|four|five|six|seven|eight|nine) hundred(?: and \w+)?) "
     r"(?:calories|cals|kcals?) (?:a|per|each|every) day\b|"
     r"\b(?:only|just|had|drunk|drinking|drink) (?:had )?(?:water|black coffee|coffee|tea|diet "
     r"\w+)\b[^.!?]{0,30}\b"
     r"(?:days|weeks?)\b[^!?]{0,40}\b(?:huge|fat|big|disgusting|weight|thin|skinny|calories)\b|"
     r"\bnothing but (?:water|black coffee|coffee|tea|diet \w+)\b[^.!?]{0,30}\b(?:days|week|"
     r"weeks)\b"),
    ("compulsion", CARE,
     r"\bif i (?:do not|did not|forget to|miss) (?:\w+ ){0,3}(?:touch|check|recheck|wash|count|"
     r"tap|clean|say|switch|lock)\w*\b[^.!?]{0,60}\b(?:my|the) (?:\w+ )?(?:will|would|is going to|"
     r"are going to) (?:die|burn|get hurt|be hurt|be killed|get sick|have an accident|drown)\b|"
     r"\b(?:pull|pulled|pulling) (?:out )?(?:\w+ ){0,3}(?:hair|eyelashes|eyebrows)\b[^.!?]{0,40}"
     r"\b(?:bleed|bleeds|bleeding|bled|bald|raw|can not stop)\b|"
     r"\b(?:\d+|\w+) times\b[^.!?]{0,30}\bor (?:else )?(?:something|someone) (?:terrible|bad|"
     r"awful|horrible) (?:will )?happens?\b|"
     # a ritual, or someone close comes to harm ("or my mum will die")
     rf"\b(?:have to|must|need to|got to)\b[^.!?]{{0,40}}\bor (?:else )?(?:someone|somebody|"
     rf"(?:my |our )?{_KIN}(?:'s \w+)?) (?:will|would|is going to) (?:die|crash|burn|get hurt|"
     r"be hurt|be killed|get sick|have an accident|drown)\b|"
     r"\b(?:until|till) (?:they|it|my \w+) (?:crack|cracks|bleed|bleeds)\b|\bcan not stop "
     r"(?:washing|checking|cleaning|counting|picking|pulling)\b|\b\d+ times before i can\b|"
     r"\b(?:check|checked|checking|wash|washed|washing|clean|cleaned|cleaning|count|counted|"
     r"counting)\b[^.!?]{0,30}\b(?:\d{2,}|twenty|thirty|forty|fifty|sixty|a hundred|hundreds "
     r"of|dozens of) times\b"),
    ("intoxication", CARE,
     r"\b(?:drinks?|drunk|high|pills|took something|been drinking)\b[^.]{0,60}\b(?:driving|"
     r"drive|heart (?:is )?racing|heart (?:is )?(?:going|beating|pounding) (?:so |really |too )?"
     r"(?:fast|hard)|can not feel|seeing things|shaking|passing out|overdos\w*)\b"),
]}

# Mania as the DSM-5 criteria describe it, any two of them in one message: less need for sleep,
# racing thoughts, pressured speech, grandiosity, spending or risk beyond the person's means.
# One alone is everyday ("so many ideas", "bought it on a whim"); the rule above holds the
# signs strong enough alone.
MANIA_SIGNS = [re.compile(p) for p in (
    r"\b(?:have not|not|barely|hardly|never) (?:slept|sleeping)\b|\bno (?:sleep|need (?:for|of) "
    r"sleep|time (?:for|to) sleep)\b|\b(?:do not|did not) need (?:to )?sleep\b|\bup all night "
    r"for\b|\bup (?:\w+|\d+) (?:nights|days) (?:straight|in a row|running)\b|"
    r"\b(?:\w+|\d+) (?:nights|days) (?:without|with no) sleep\b|"
    r"\b(?:\w+|\d+) (?:nights|days) (?:of )?no sleep\b",
    r"\bthoughts?\b[^.!?]{0,20}\b(?:racing|flying|million miles|hundred miles|mile a minute)\b|"
    r"\b(?:faster|quicker) than i can (?:type|talk|write|speak|think)\b|\b(?:a million|so many|"
    r"hundreds of|a thousand) (?:ideas|plans|projects)\b|\bmind is (?:racing|on fire|buzzing)\b|"
    r"\beverything is (?:connecting|connected|clicking into place)\b",
    r"\bcan not stop (?:talking|moving|laughing|writing)\b|\btalking (?:so |too |really )?fast\b",
    r"\b(?:unstoppable|invincible|genius|destined|on top of the world|change the world|"
    r"untouchable|limitless)\b|\bnothing can (?:stop|touch|hurt) me\b",
    r"\bon a whim\b|\bimpulsive\w*\b|\b(?:booked|booking|bought|buying|spent|spending|"
    r"put) [^.!?]{0,40}\bon (?:my |the )?credit cards?\b|"
    r"\bmax(?:ed|ing)? out (?:my |all my |the )?(?:cards?|"
    r"credit|overdraft)\b|\b(?:all|most) (?:of )?my (?:savings|money|wages)\b|\b(?:put|poured|"
    r"sank|invested) (?:all |most )?(?:of )?my (?:savings|money|house|pension)\b|\b(?:started|"
    r"starting|launched|opening) (?:two|three|four|five|\d+|several) (?:businesses|companies|"
    r"startups)\b|\b(?:booked|bought) [^.!?]{0,30}\b(?:two|three|four|five|six|\d+) "
    r"(?:countries|flights|cars|houses)\b|\bquit(?:ting)? my job\b|\bworth (?:ten|twenty|fifty|a "
    r"hundred|\d+) (?:grand|thousand|k)\b|\b(?:signed|bought|put) (?:a |the )?(?:lease|deposit|"
    r"offer)\b",
    # everyone told at an hour of the night (pressured speech, the DSM-5's talkativeness)
    r"\b(?:texted|called|rang|emailed|messaged|told) (?:everyone|everybody|all my|all of)\b"
    r"[^.!?]{0,40}\b(?:at [1-5] ?am|in the middle of the night|all night)\b",
)]


# Restrictive eating said over a few turns, as the eating-disorder screens (SCOFF, EDE-Q) ask
# about it: a severe restriction or a compensation, with the drive to be thinner or a wish to
# silence hunger. A diet alone, or hunger asked about alone, is everyday.
EATING_SIGNS = {
    "restriction": re.compile(
        r"\bdown to (?:one|a single|two|\d+) (?:\w+ )?(?:a|per) day\b|\bonly (?:let myself|allow "
        r"myself to) eat (?:if|when|after)\b|\bonly (?:letting|allowing) myself (?:to )?(?:eat|"
        r"have|drink)\b|\b(?:keeping|keep|kept|staying|stay) (?:it )?under "
        r"\d{2,3}(?: calories)?\b|\b(?:only|just) (?:had|have|"
        r"having|eat|eating|ate|allow myself) (?:\w+ ){1,3}(?:once|one time) a day\b|\bunder "
        r"\d{2,3} calories\b|\bskip(?:ping|ped)? (?:all|every|most) (?:my )?meals\b|\b(?:have not|"
        r"not|barely) (?:eaten|eating) (?:in|for|since) \w+|\b(?:have |i )?(?:barely|hardly) "
        r"(?:eaten|ate|eating) (?:anything )?(?:this|all|in|for) (?:week|weeks|days|month)\b"),
    "compensation": re.compile(
        r"\b(?:make|made|making) myself (?:sick|throw up|vomit)\b|\blaxatives?\b|\bpurg\w+|"
        # food brought back up in the bathroom (not a subject brought up at a meeting)
        r"\b(?:bathroom|toilet|loo|sink)\b[^.!?]{0,40}\b(?:bring|brought|bringing|get|got|"
        r"getting|throw|threw|throwing) (?:it|them|everything|it all|the food|food) (?:back )?"
        r"(?:up|out)\b|"
        r"\bburn (?:it|them|every calorie) off\b"),
    "hidden": re.compile(r"\bhid(?:e|ing|den) (?:it|how (?:little|much) i eat|food|my eating|"
                         r"my weight)\b[^.!?]{0,20}\b(?:from|so)\b|\bin secret\b|"
                         r"\b(?:stop|keep|without) (?:\w+ ){0,2}(?:noticing|finding out|seeing) "
                         r"(?:that )?i am (?:skipping|not eating|throwing up|being sick|losing "
                         r"weight)\b"),
    # restriction felt as lightness or control (the SCOFF's "lost control", the other way)
    "control": re.compile(r"\b(?:feel|felt|feeling) (?:so |more |really )?(?:light|empty|clean|in "
                          r"control)\b[^.!?]{0,20}\b(?:for once|at last|finally|again)\b"),
    "thinness": re.compile(r"\b(?:lose|losing|lost) (?:more )?weight\b|"
                           # a goal weight an adult is underweight at (50 kg, 8 st, 110 lb)
                           r"\b(?:until|till|before) i (?:hit|reach|get (?:down )?to|weigh|am) "
                           r"(?:under |below )?(?:(?:[2-4]\d|50) ?(?:kg|kilos?)|"
                           r"[4-8] ?(?:st|stone)|(?:[6-9]\d|10\d|110) ?(?:lbs?|pounds))\b|"
                           r"\bthinner\b|\bskinn\w+|"
                           r"\bweigh(?:ing)? myself (?:\w+ )?times a day\b|\bthe number (?:on "
                           r"the scale )?(?:went|goes|go) down\b|"
                           r"\b(?:feel|look|am) (?:so )?(?:fat|huge|disgusting)\b"),
    "hunger": re.compile(r"\b(?:stop|ignore|ignoring|suppress\w*|silence|get rid of|kill|"
                         r"numb) (?:feeling |the )?(?:hungry|hunger(?: pangs)?|appetite)\b|"
                         r"\bappetite suppressants?\b"),
}


def eating_signs(text: str) -> set[str]:
    """Which kinds of restrictive eating `text` (normalised) shows."""
    return {kind for kind, sign in EATING_SIGNS.items() if sign.search(text)}


def mania_signs(text: str) -> int:
    """How many different signs of mania `text` (normalised) shows."""
    return sum(bool(sign.search(text)) for sign in MANIA_SIGNS)


NOT_MEANT = re.compile(r"\b(?:by accident|accidentally|when we were (?:kids|little|children)|"
                       r"playing|in (?:a|the) game|we laugh about it|lol|haha|lmao|jk|"
                       r"(?:just )?kidding)\b")
# A body hurt at work in the kitchen or the garden is not self-injury.
MISHAP = re.compile(r"\b(?:by accident|accidentally|cooking|chopping|peeling|slicing|making "
                    r"(?:a |the )?(?:tea|coffee|cuppa|brew|soup|pasta|hot water bottle)|"
                    r"kitchen(?! (?:towel|roll|paper))|oven|stove|pan|iron|shaving|gardening|"
                    r"slipped|tripped|fell|dinner|kettle|hob|toaster|grill|barbecue|bbq|"
                    r"radiator|baking tray|tin can|tin lid|glue gun|hot glue|soldering|welding|"
                    r"baking|ironing|weeding|pruning|brambles?|thorns?|rose ?bush|hedge)\b")
# A small child's hitting or biting is not being harmed ("my toddler hit me with a spoon").
CHILD_DID = re.compile(r"\bmy (?:toddler|baby|little one|(?:\w+[- ])?(?:one|two|three|four|1|2|"
                       r"3|4)[- ]year[- ]old|newborn)\b(?: \w+){0,2} (?:hit|hits|bit|bites|kicked|"
                       r"kicks|punched|punches|scratched|scratches|slapped|slaps|headbutted)\b")


# Everyday contexts of words the rules and the lexicon hold as signs, each read where its sign is
# found (everyday_context): a day's meal missed for being busy or ill, a life that is the first
# half of a compound ("life admin"), waking early, no way out of a contract, things given away
# or savings moved for a move or a house, goodbyes said at a leaving do, a rope bought for a
# swing. The sign stands when it comes with the sign's own words (calories, for me, my neck).
_ONE_DAY = re.compile(r"\b(?:today|this (?:morning|afternoon|evening)|since (?:breakfast|lunch|"
                      r"dinner|this morning|last night)|all day|yet)\b")
_BUSY_OR_ILL = re.compile(r"\b(?:too busy|so busy|busy at work|no time|rushed off my feet|"
                          r"stomach bug|tummy bug|bug|flu|food poisoning|hungover|hangover|"
                          r"rollercoaster|seasick|carsick|travel sick|morning sickness|"
                          r"pregnan\w*|migraine|virus|norovirus|ill|poorly)\b")
# A food or a habit given up, not eating itself ("not eating meat anymore, going vegan").
_A_FOOD_GIVEN_UP = re.compile(r"\bnot eat(?:ing|en)? (?:any )?(?:meat|dairy|sugar|carbs|gluten|"
                              r"bread|junk food|fish|pork|beef|chocolate|sweets|crisps|takeaways?|"
                              r"late|after \w+|out|processed food|animal products)\b")
_RESTRICTING = re.compile(r"\b(?:calories|weight|fat|thin|disgusting|deserve|punish\w*|purg\w*|"
                          r"make myself|on purpose|again|every|days|weeks|control)\b")
_LIFE_COMPOUND = re.compile(r"\blife (?:admin|insurance|coach\w*|hacks?|lessons?|skills?|story|"
                            r"jacket|span|style|cycle|goals?|choices?|plans?|drawing|model|"
                            r"support|sentence|savings?|partner|raft|guard|boat|event|update|"
                            r"in (?:the|this) (?:city|office|village|suburbs))\b")
_LIVING_WHERE = re.compile(r"\bof living (?:in|with|at|on|like|under|next to|alone in|out of|off) "
                           r"(?:this|the|a|an|my|that|these|those|his|her|their|our)\b")
_WAKING_EARLY = re.compile(r"\bwant to wake up (?:early|at \w+|before|for (?:work|school|the)|"
                           r"in (?:the )?morning|so early)\b")
_NO_WAY_OUT_OF = re.compile(r"\bno way out of (?:this |the |my |our |a )?(?:\w+ )?(?:contract|"
                            r"lease|deal|mortgage|loan|subscription|commitment|meeting|wedding|"
                            r"trip|exam|job|car park|maze|traffic|queue|building|tenancy|plan|"
                            r"agreement|phone contract)\b")
_PLANS_AHEAD = re.compile(r"\b(?:before|for|after) (?:the|my|our) (?:big )?(?:move|wedding|new "
                          r"(?:house|flat|home|baby|job)|deposit|mortgage|trip|holiday|"
                          r"renovation|emigration|gap year)\b|\bmoving (?:to|abroad|house|out|"
                          r"in|country)\b|\bemigrat\w+|\b(?:deposit|mortgage) (?:for|on)\b|"
                          r"\bfirst (?:house|home|flat)\b|\b(?:we are|i am) moving\b")
_GOODBYE_OCCASION = re.compile(r"\b(?:at|after) (?:the|my|our|a|her|his) (?:leaving (?:do|party|"
                               r"drinks)|party|airport|station|wedding|reunion|graduation|school "
                               r"gates|end of term|farewell)\b|\bleaving do\b|\blast day (?:at|of) "
                               r"(?:work|school|term|the job)\b")
_BOUGHT_FOR = re.compile(r"^ (?:(?:ladder|swing|bridge|course|light|lights|netting|"
                         r"toy|bag|case|cabinet|safe|rack|holster|sling)\b|"  # a rope ladder
                         r"for (?:the|my|our|a|an|his|her) (?!neck\b|self\b|end\b|last\b|"
                         r"final\b|own\b|way\b)\w+|to (?:tie|climb|tow|secure|moor|lasso|"
                         r"hang (?:the|a|my|our) (?!self)\w+))")


def everyday_context(kind: str, evidence: str, said: str, after: str = "") -> bool:
    """Whether a sign (`kind`, found as `evidence`, followed by `after`) sits in one of the
    everyday contexts above in the message as said."""
    if kind == "eating" and not re.search(r"purg|chew|binge|make myself|sick|throw", evidence):
        return bool(_ONE_DAY.search(said) or _BUSY_OR_ILL.search(said) or _A_FOOD_GIVEN_UP.search(
            said)) and not _RESTRICTING.search(said)
    if kind == "suicidal" and re.search(r"\b(?:life|live|living)$", evidence):
        return bool(_LIFE_COMPOUND.search(said) or _LIVING_WHERE.search(said))
    if kind == "suicidal" and "wake up" in evidence:
        return bool(_WAKING_EARLY.search(said))
    if kind == "suicidal" and evidence == "no way out":
        return bool(_NO_WAY_OUT_OF.search(said))
    if kind == "preparing" and "goodbye" in evidence:  # unless they did not know it was one
        return bool(_GOODBYE_OCCASION.search(said)) and not UNKNOWING_GOODBYE.search(said)
    if kind == "preparing" and re.search(r"\b(?:rope|noose|gun|pistol|handgun|rifle|shotgun|"
                                         r"firearm)$", evidence):
        return bool(_BOUGHT_FOR.match(after))
    if kind == "preparing":
        return bool(_PLANS_AHEAD.search(said))
    return False


# "Want to die" beside a passing misery or a joke: a hangover, an exam, embarrassment, laughter.
DIE_WISH = re.compile(r"\b(?:want|wanted|wanting|wanna) to die\b")
HYPERBOLE = re.compile(r"\b(?:hungover|hangover|hung over|lol|lmao|haha\w*|cringe\w*|embarrass\w*|"
                       r"mortified|exam|test|presentation|interview|meeting|karaoke|hiccups|"
                       r"cramps|man flu|migraine|heat|hot|cold|so full|ate too much|the gym|"
                       r"leg day|dentist|traffic|queue|spreadsheet|tax return)\b|[\U0001F602"
                       r"\U0001F923\U0001F480\U0001F62D]")
ACCIDENT = re.compile(r"\b(?:by accident|accidentally)\b")
# Voices heard through a wall or from the street are people, not a sign of psychosis.
HEARD_THROUGH = re.compile(r"\bhear(?:ing|d)? voices (?:through|from|next door|downstairs|upstairs|"
                           r"outside|in the (?:hall|hallway|street|garden|corridor|next room|other "
                           r"room|flat (?:above|below|next door)))\b")
UNHEARD = re.compile(r"\b(?:no ?one|nobody) else\b|\bonly i (?:can )?hear|\bnot real\b|"
                     r"\bin my head\b|\b(?:there is|there was) no ?(?:one|body)\b")


def people_heard(text: str) -> bool:
    """Voices heard through a wall or from the street, that others hear too: people."""
    return bool(HEARD_THROUGH.search(text)) and not UNHEARD.search(text)


PURPOSE = re.compile(r"\b(?:on purpose|to feel|to punish|to cope|again|when it gets|"
                     r"when things get|deliberately|where no one|so no one|nobody (?:can|will) "
                     r"see|hide|hiding|hidden|in secret|secretly)\b")
# A wish not to be alive, or a picture of the world without oneself, said in everyday words:
# the C-SSRS's first question ("wished you were dead, or that you could go to sleep and not
# wake up") and the warning signs of 988 / AFSP (being a burden, no future, no reason to live).
# Said this way, the reply asks directly (a check-in) rather than answering as if it knew.
WISH = re.compile(
    # the peace of falling, dying or not waking imagined; a funeral no one would cry at
    r"\b(?:peaceful|restful|easy|quiet|calm|nice) (?:falling|jumping|dying|drowning|slipping "
    r"away|disappearing|not waking(?: up)?|never waking(?: up)?) (?:would|will|must|could) be\b|"
    r"\bhow (?:peaceful|restful|quiet|calm|easy) it (?:would|will|must|could) be to (?:fall|jump|"
    r"die|drown|slip away|disappear|not wake|never wake|stop existing)\b|"
    r"\b(?:nobody|no one|none of them)\b[^.!?]{0,20}\bfuneral\b[^.!?]{0,15}\b(?:would|will) "
    r"(?:cry|care|miss me)\b|\b(?:would|will) (?:all )?be relieved (?:if|when) i (?:was|were|"
    r"am) (?:gone|dead|not here|not around)\b|"
    r"\b(?:stop|to not|not to|rather not|want to not|could just not|wish i did not) "
    r"exist(?:ing)?\b|"
    r"(?:\bwould(?: all)?(?: \w+)? (?:be )?(?:better|fine|happier|easier|lighter|okay|ok|"
    r"alright|manage|cope)(?: \w+)? (?:off )?|\b(?:better|happier) off )without me\b(?! (?:for|"
    r"while|at|on|this|next|tonight|today|tomorrow|when)\b)|"
    r"\bif i (?:was|were) (?:not|no longer) (?:here|around|in it|alive|in the picture|in the "
    r"world)\b|\bif i (?:was|were) gone\b(?! (?:for|while|on|at)\b)|"
    r"\b(?:hope|hoping|wish|wishing|pray|praying)\b(?:(?!\b(?:not|never)\b)[^.!?]){0,50}"
    r"\b(?:goes down|crash(?:es)?|"
    r"hits me|kills me|takes me|do not wake|not wake up|never wake up|stops? beating|"
    r"(?:my )?heart stops)\b|"
    r"\b(?:will not|will never|am not going to|do not think i will|may not|might not) be "
    r"(?:around|here|alive) (?:for (?:my|his|her|their|the|our) (?:[\w'’]+ ){0,2}(?:birthday|"
    r"christmas|wedding|holidays?|summer|graduation|exams?|anniversary|first day)"
    # not away for it ("..., I'm in Spain that week")
    r"(?![^.!?]{0,5}(?:,|because|as|since) (?:i am|we are|i will be|we will be) (?:in|away|at|"
    r"on|working|abroad|out))|by "
    r"(?:christmas|summer|next)|much longer|to see|anymore|any more|for long)\b|"
    # sorry to have woken at all (a passive wish not to live, C-SSRS question 1)
    r"\b(?:disappointed|sad|annoyed|upset|angry|gutted|sorry|cross) (?:that )?i (?:woke up|"
    r"wake up|am still here|am still alive|survived)(?: at all| again| this morning)?"
    r"(?=\s*(?:[.!?,;]|$))|"
    # not being around, and so no use in anything (a future the person is not in)
    r"\b(?:will not|am not going to|do not think i will|probably will not) be (?:around|here)\b"
    r"[^.!?]{0,60}\b(?:it does not matter|what is the (?:use|point)|no point|why bother)\b|"
    r"\b(?:what is the (?:use|point)|no point|why bother)\b[^.!?]{0,60}\b(?:will not|am not "
    r"going to|do not think i will) be (?:around|here)\b|"
    # a burden said as a weight on everyone ("I am only a millstone round their necks")
    r"\bi am (?:only |just |nothing but )?(?:a|the) (?:weight|millstone|burden|drain) "
    r"(?:round|around|on) (?:everyone|everybody|all of them|them|their|my \w+)|"
    # lying down somewhere and not getting up; thanks for everything with a goodbye
    r"\b(?:lie|lay) down\b[^.!?]{0,50}\band (?:not|never) (?:get|getting) (?:back )?up\b"
    r"(?! (?:till|until|for|before)\b)|"
    r"\bthank(?:s|ed|ing)? (?:\w+ )?for everything\b[^.!?]{0,25}\bgoodbye\b|"
    # tablets bought in several places, as the law lets each shop sell only a pack or two
    r"\bbought (?:\w+ ){0,3}(?:packs?|boxes|bottles) (?:of (?:\w+ ){1,3})?(?:from|at|in) "
    r"(?:different|several|lots of|a few|\w+ different) (?:shops|chemists|pharmacies|"
    r"supermarkets|places)\b|"
    r"\b(?:do not|can not|could not) see myself (?:being |still )?(?:around|alive|here)\b"
    r"(?! (?:in|at) (?:this|that|the|a) (?:job|house|town|city|place|company|school)\b)|"
    # a year ahead pictured without them in it (a future the person is not in)
    r"\b(?:picture|imagine|think about|think of)\w* (?:next year|the future|a year from now|next "
    r"(?:summer|christmas|spring))\b[^.!?]{0,30}\b(?:do not|can not|could not) (?:see|picture|"
    r"imagine|find) (?:myself|me)\b(?! (?:doing|working|living|having|with|as|there|in (?:a|this|"
    r"that|the|my) (?:\w+ )?(?:job|role|house|flat|town|city|place|company|school|career)\b))|"
    r"\b(?:want|wants|wanted|wish|wishing|need|part of me)\b[^.!?]{0,30}\b(?:to )?(?:disappear|"
    r"vanish|be gone) (?:for good|forever|for ever|permanently)\b(?! from\b)|"
    r"\b(?:do not|can not) (?:want to )?(?:do|live|keep doing|go on (?:with|like)) (?:this|it|"
    r"like this)(?: for)? (?:another|any more|anymore|much longer|the rest of my)\b|"
    r"\b(?:stood|standing|stand|sat|sitting|looked|looking|leaned|leaning)\b[^.!?]{0,40}\b(?:"
    r"balcony|edge|ledge|bridge|roof|platform|cliff|tracks|stairwell|top floor|multi ?storey|car "
    r"park)\b[^.!?]{0,60}\b(?:how easy|easy it would be|how quick|quick it would be|how fast|"
    r"jump|falling|fall|let go|step off)|"
    r"\b(?:think|thought|thinking|tempted|urge|want|wanted|imagine|picture|wonder)\b[^.!?]{0,40}"
    r"\b(?:(?:steer|swerv|driv|crash)\w* (?:the car |my car )?(?:into (?:a |the )?(?:wall|tree|"
    r"traffic|lorry|truck|oncoming|barrier|river|bridge)|off (?:a |the )?(?:cliff|bridge|edge|"
    r"road))|(?:walk|step|jump)\w* (?:out )?in front of (?:a |the )?(?:train|bus|car|lorry|"
    r"truck|traffic))\b|"
    r"\b(?:after|when|once) i am (?:gone|dead|not here|not around)\b|"
    r"\b(?:will not|do not|am not going to) (?:be )?need(?:ing)? (?:anything|any of (?:it|this|"
    r"my \w+)) (?:anymore|any more|soon|where i am going)\b|"
    # being a burden, no reason left to live, the calm of not being here (988 / AFSP)
    r"\b(?:stop|stopped|stopping|quit) being (?:a |such a )?(?:burden|weight|drain) "
    r"(?:on|to|for)\b|"
    r"\bi am (?:just |only |such |nothing but |always )?(?:a |an )?(?:burden|dead weight|weight) "
    r"(?:on|to|for) (?:everyone|everybody|you all|all of them|them|my (?:family|kids|children|"
    r"parents|wife|husband|partner|friends|mum|mom|dad))\b|"
    r"\b(?:running out of|no|no more|not (?:many|any)|have no|lost (?:my|all my|every)) reasons? "
    r"(?:left )?(?:to|for) (?:stay(?:ing)?|liv(?:e|ing)|go(?:ing)? on|keep(?:ing)? going|"
    r"be(?:ing)? here|stay(?:ing)? alive|carry(?:ing)? on)\b(?! (?:in|at|with|for|on) (?:this|"
    r"the|my|a|that)\b)|"
    r"\b(?:only|just) (?:still )?(?:here|alive|around) (?:because of|for the sake of) (?:my|the)\b|"
    r"\b(?:think|thinking|thought|imagine|imagining|picture|picturing|dream|dreaming|calm|peace|"
    r"peaceful|relief|comfort)\b(?:(?!\b(?:someone|somebody|him|her|them|you|he|she|they|"
    r"people)\b)[^.!?]){0,30}\b(?:not being (?:here|around|alive)|no longer being "
    r"(?:here|around|alive)|being gone for good|not existing)\b|"
    r"\b(?:future|next year|the years ahead|version of (?:\w+ )?(?:year|life|future))\b[^.!?]{0,20}"
    r"\bwith me (?:still )?in it\b|"
    r"\b(?:would not|would hardly|do not think i would) mind if i\b[^.!?]{0,50}\b(?:died|did not "
    r"(?:wake|make it|survive)|never woke|was gone|was not here|got hit|got killed)\b|"
    r"\bbetter off\b[^.!?]{0,30}\bwithout me(?: around| here| in (?:it|their lives))?\b(?! "
    r"(?:for|while|at|on|this|next|tonight|today|tomorrow|when)\b)|"
    r"\b(?:checking|check|checked) out (?:for good|permanently|early)\b|"
    r"\b(?:quickest|easiest|fastest|simplest|least painful|painless) way (?:out|to go|to do it)\b|"
    r"\b(?:walk|walking|swim|swimming|wade|wading) (?:out )?into the (?:sea|river|lake|ocean|"
    r"water|waves)\b(?! (?:with|for|to cool|to swim|on)\b)|"
    # an accident or an end that would be welcome (a passive wish, C-SSRS question 1)
    r"\b(?:crash\w*|accident|hit by|run over|went down|did not wake|never woke|not wake up|"
    r"died|killed|gone)\b[^.!?]{0,50}\b(?:would not be (?:the|such a|so) (?:worst|bad|terrible)|"
    r"would (?:be|feel like) (?:a |such a )?(?:relief|blessing|mercy)|(?:would|will) (?:be|feel) "
    r"relieved|would not (?:mind|care))\b|"
    r"\b(?:would not be (?:the|such a|so) (?:worst|bad|terrible)(?: thing)?|"
    r"would be (?:a |such a )?"
    r"(?:relief|blessing|mercy)) if (?:i|my (?:car|plane|heart))\b[^.!?]{0,40}\b(?:crash\w*|"
    r"died|did not wake|never woke|went down|stopped|hit|run over|gone|killed)\b|"
    # putting affairs in order "for after", and sitting with the means (warning signs)
    r"\b(?:my )?affairs (?:are |all |now )*(?:in order|tidied|sorted|settled)\b[^.!?]{0,30}\b"
    r"(?:for after|when i am gone|for when)\b|\b(?:everything|it all) (?:is )?(?:in order|sorted|"
    r"tidied up) (?:now )?for (?:after|when i am gone)\b|"
    r"\b(?:looked|looking|stared|staring|sat|sitting) (?:at|with) (?:the|my|those|these) (?:rope|"
    r"noose|pills|tablets|gun|razor|blades?)\b[^.!?]{0,30}\b(?:for (?:a long time|ages|hours|"
    r"an hour|half an hour)|again|all (?:night|morning|day|evening)|for a while)\b|"
    # (written 2026-12-07 from 30 warning signs written for the purpose, by construct: the
    # interpersonal theory's burden and belonging, fearlessness of death, a foreshortened future)
    # an illness hoped for that would end it or take it out of their hands (a passive wish)
    r"\b(?:hope|hopes|hoping|wish|wishes|wishing|pray|prays|praying)\b (?:that )?(?:i (?:will |"
    r"would |get |have |"
    r"catch |develop |am diagnosed )|for )(?:get |have |catch |develop |be diagnosed with )?"
    r"(?:a |an |some )?(?:really |very |terminal |serious |bad |fatal )*(?:diagnosis|illness|"
    r"cancer|tumou?r|disease)\b[^.!?]{0,40}\b(?:all over|over soon|out of my hands|taken out of "
    r"my hands|end it|ends it|finish me|kill me|takes me)\b|"
    # tired of being alive at all (passive ideation)
    r"\b(?:tired|sick|weary|exhausted) of (?:being alive|living|existing|breathing|being here|"
    r"waking up)\b(?! (?:in|with|at|on|like|under|next|alone in) (?:this|the|a|my|that|here)\b)|"
    # a favour done, or an end, by not being here (perceived burden)
    r"\b(?:favou?r|easier|simpler|better)\b[^.!?]{0,40}\bby (?:not being (?:here|around|alive)|"
    r"(?:just )?(?:disappearing|going|leaving) for good)\b|"
    r"\b(?:ends|end|over|better|easier|fixed|solved) (?:is |would be )?with me gone\b|"
    # an absence nobody would notice (thwarted belonging)
    r"\bif i (?:disappeared|vanished|died|went missing|was gone|were gone)\b[^.!?]{0,40}\b(?:"
    r"nobody|no one|no-one|nothing|not a soul)\b[^.!?]{0,20}\b(?:notice|care|miss|realise|"
    r"realize)|\b(?:nobody|no one|no-one) would (?:even )?(?:notice|care|miss me)\b[^.!?]{0,20}"
    r"\bif i (?:disappeared|vanished|died|went missing|was gone|were gone)\b|"
    # no longer afraid of dying (the capability the interpersonal theory names)
    r"\b(?:not|no longer|never) (?:scared|afraid|frightened|fearful) of (?:dying|death|dying "
    r"anymore)\b(?! (?:in|on|at|from) )|"
    # one's own funeral pictured or planned, or nobody at it
    r"\b(?:plan\w*|picture\w*|imagin\w*|thinking about|think about) (?:what to wear for |who "
    r"(?:would|will) come to |the music for |the songs for )?my (?:own )?funeral\b|"
    r"\b(?:nobody|no one|no-one) (?:would|will) (?:even )?(?:come|turn up|show up|bother) (?:to|at|"
    r"for) my funeral\b|"
    # making it stop for good
    r"\bmake (?:it|this|everything|the pain) (?:all )?stop (?:for good|forever|for ever|"
    r"permanently)\b|"
    # a future foreshortened to a date
    r"\b(?:do not think i will|will not|probably will not|doubt i will) make it (?:to|till|until|"
    r"past) (?:the end of (?:the|this) year|christmas|new year|my (?:next )?birthday|next year|"
    r"summer|spring)\b(?! (?:without|with|on|at|if|unless)\b)|"
    # a means held and thought about
    r"\b(?:hold|holding|held|staring at|stare at|looking at|look at)\b (?:the|a|my) (?:knife|"
    r"blade|razor|pills|tablets|rope|gun)\b[^.!?]{0,40}\b(?:think|thinking|thought|wonder|"
    r"wondering) (?:about (?:it|doing it|using it|how)|how easy)\b|"
    # medicine kept back to be saved up
    r"\b(?:stopped|stop|not) taking (?:my )?(?:meds|medication|pills|tablets)\b[^.!?]{0,30}\b"
    r"(?:save|saving|keep|keeping|store|storing|stash|stashing) (?:them|it) (?:up|for)\b|"
    # arrangements made for "if anything happens to me"
    r"\b(?:look after|take care of|have|give \w+|feed|rehome)\b[^.!?]{0,30}\bif anything "
    r"(?:happens|were to happen|should happen) to me\b|"
    # (written 2026-12-07 from the kinds sealed26 and 27 missed, by construct, not from their
    # lines) a jump thought of with nothing after it; a last Christmas; switched off for good
    r"\bthinking (?:about|of) jumping\b(?= *(?:[.!?,;]|$|tbh|honestly|tonight|again|lately))|"
    r"\b(?:this|next) (?:christmas|birthday|summer|easter|new year) (?:is|will be|is going to "
    r"be) my last(?: one)?\b(?! (?:in|as|at|before|with|of|here|there)\b)|"
    r"\b(?:switch|turn|shut) myself off (?:for good|permanently|forever|for ever)\b|"
    # the dead envied; an absence asked about
    r"\b(?:envy|envious of|jealous of) (?:people|those|the ones|anyone) (?:who|that) (?:die|"
    r"died|get killed|do not wake up)\b|"
    r"\bwould (?:anyone|anybody|people|they|you) (?:actually |even |really )?(?:mind|notice|care|"
    r"miss me) if i (?:did not come home|never came home|did not come back|never came back|was "
    r"not here|were not here|disappeared|vanished|died)\b|"
    # told it is morbid; songs for one's funeral; amends made "before I go"
    r"\b(?:thinks?|said|says|told me) i am being morbid(?= *(?:[.!?,;]|$))|"
    r"\b(?:playlist|songs?|music|hymns?|readings?) for my (?:own )?funeral\b|"
    r"\b(?:apologi[sz]\w*|say(?:ing)? sorry|squared|make peace|made peace|settled?)\b[^.!?]{0,80}"
    r"\bbefore i go(?= *(?:[.!?]|$))|"
    # (from sealed28's misses, read) a gun out and loaded; the drop no longer feared; the last
    # of a season
    r"\b(?:gun|shotgun|rifle|pistol|revolver)(?:'s| is)? (?:\w+ ){0,4}(?:loaded|out of the "
    r"(?:cabinet|safe|case|cupboard))\b(?![^.!?]{0,40}\b(?:shoot|range|club|season|clean))|"
    r"\b(?:not|no longer|stopped being) (?:scared|afraid|frightened) of (?:the )?(?:drop|fall|"
    r"height|edge)\b(?![^.!?]{0,30}\b(?:ride|rollercoaster|roller coaster|big dipper|zip ?wire|"
    r"climb\w*|abseil\w*|bungee|skydiv\w*|plane|flying|wall)\b)|"
    r"\b(?:this|it) is (?:my|the) last (?:winter|summer|christmas|birthday|spring|autumn|year)\b"
    r"(?! (?:in|at|of|before|with|here|there|as|on)\b)|"
    # (written 2026-12-07, late, from the kinds sealed39 missed, by construct, not from its
    # lines) sorry the night or the illness did not end it; everything switched off for good;
    # no plan to be alive a while from now; a burden's "time I stopped"; a seatbelt left off in
    # the hope of a crash
    r"\b(?:annoy|disappoint|shame|pity|sorry|gutted|cross|upset|wish|sad|cheat|irritat|let down)"
    r"\w*[^.!?]{0,60}\b(?:did not|never) (?:quite )?(?:finish|finished|take|took) me (?:off|out)?"
    r"\b|"
    r"\b(?:want|wish|need|long)\w*\b[^.!?]{0,30}\b(?:it all|everything|my (?:head|brain|mind)|me|"
    r"myself) (?:to be |to )?(?:switched|turned|shut|switch|turn|shut) off (?:for good|"
    r"permanently|forever|for ever)\b|"
    r"\b(?:do not|am not|not) (?:plan|planning|intend|intending|expect|expecting) (?:on|to) (?:be|"
    r"being|still be|still being) (?:around|here|alive) (?:much longer|for much longer|for long|"
    r"next year|this time next year|by (?:then|next year|christmas|the summer|summer))\b|"
    r"\b(?:weight|burden|drain|millstone|dead weight) (?:on|to|round|around|for)\b[^.!?]{0,60}"
    r"\b(?:time|about time) (?:i|for me to) (?:stopped|stop|went|go|was gone|left|disappeared)"
    r"(?= *(?:[.!?,;]|$|for good|being))|"
    r"\b(?:leave|leaving|left|take|taking|took|without|no) (?:my |the |a )?seat ?belt(?: off| on)?"
    r"\b[^.!?]{0,60}\b(?:hoping|in the hope|on purpose|deliberately)\b")
# Looking up a way to die (the C-SSRS's preparatory acts: "researching methods"), said of oneself
# however it is played down ("just curious"): the ways themselves, not heights or places, which
# people look up for every reason.
RESEARCH = re.compile(
    r"\b(?:looked|looking|look|looks) (?:up|into|online)\b|\bgoogl\w*|\bsearch(?:ed|ing)?\b|"
    r"\bresearch\w*|\bread(?:ing)? (?:up on|about)\b|\bwatch(?:ed|ing) videos (?:of|about|on)\b")
LETHAL = re.compile(
    r"\b(?:to|can you|would you|would i) (?:drown|overdose)\b|\bdrown (?:yourself|myself)\b|"
    r"\boverdose on\b|\blethal\b|\bfatal\b|\bpainless\w*|\bhang(?:ing)? (?:yourself|"
    r"myself|oneself|someone)\b|\bsuffocat\w*|\bbleed(?:ing)? out\b|\bhow long (?:it|does it) "
    r"takes? to (?:die|drown|bleed)\b|\b(?:most )?dangerous (?:amount|dose|number|with alcohol|"
    r"to mix)\b|\bhow many (?:\w+ )?(?:pills|tablets)\b[^.!?]{0,20}\b(?:kill|die|too many)\b|"
    r"\bways? to (?:die|kill (?:yourself|myself))\b|"
    r"\bhow many (?:of (?:my|the|your|his|her|their) )?(?:\w+ ){1,2}(?:it )?(?:takes?|would "
    r"take|you need|you would need)\b(?! to\b(?! (?:die|kill|overdose|be fatal|be lethal)))")
RESEARCHED = re.compile(rf"(?:{RESEARCH.pattern})[^.!?]{{0,50}}(?:{LETHAL.pattern})")
# An attempt before, and the feeling back (a past attempt is the strongest known risk factor).
ATTEMPT_BACK = re.compile(r"\bi (?:attempted(?: suicide)?(?= (?:last|before|once|twice|in \d|"
                          r"\w+ (?:years?|months?) ago|when)\b|[.,;])|tried to (?:kill myself|"
                          r"end my life|end it(?! with)|take my (?:own )?life))[^!?]{0,80}\b"
                          r"(?:back|again|returning|stronger|same as (?:then|before|back then))\b")
# Where one sentence ends and the next begins, in a message or its normalised text.
SENTENCE_BREAK = re.compile(r"(?<=[.!?;])\s+")
# A plan (the C-SSRS's intent with a method): "I am going to", a means and an end ("do it",
# "not come back") in one sentence, not a threat on a condition ("I'll murder him if he ...").
# Read only where the readers or a wish already asked: there it is the crisis reply, not a
# question. Without the end it stays a question ("I'm going to take the rifle to the range").
INTENT = re.compile(r"\b(?:i (?:am (?:going to|gonna|planning to|about to)|will|plan to|have "
                    r"decided to|have made up my mind to)|tonight i)\b")
ENDING = re.compile(r"\b(?:(?:do|end|finish|settle) (?:it|things|everything)|go through with "
                    r"it|get it over with|myself|and (?:not|never) (?:come back|come home|swim|"
                    r"come up|wake up|resurface)|keep (?:going|walking|swimming))\b")
CONDITION = re.compile(r"\b(?:if|unless|when (?:he|she|they))\b")


def plan_said(text: str) -> re.Match[str] | None:
    """The means in a sentence that says what the person is going to do with it, and that it
    is the end."""
    for sentence in SENTENCE_BREAK.split(text):
        if INTENT.search(sentence) and ENDING.search(sentence) and not CONDITION.search(
                sentence) and (means := MEANS.search(sentence)):
            return means
    return None


# Going to a place of water or height "and not coming back".
NOT_BACK = re.compile(r"\band (?:not|never) (?:come|coming|go|going) (?:back|home)\b"
                      r"(?= *(?:[.!?;,]|$|again|ever))")
# Affairs put in order (988 / AFSP warning signs, the C-SSRS's preparatory acts): a will made
# or changed, notes or letters left for people, who gets what, passwords and papers shown where
# someone will find them, sorry said to everyone. Each is an everyday act alone; it is a warning
# sign beside a cue that there is no after (`FINAL`), or where the conversation shows distress.
# Written from the warning signs and from the kinds sealed9-11 missed, not from their lines.
AFFAIRS = re.compile(
    r"\b(?:updated|update|updating|made|make|making|wrote|write|writing|written|redid|changed|"
    r"sorted) (?:out )?(?:my|a) will\b|"
    r"\b(?:wrote|written|writing|write|left|leaving|recorded|recording) (?:a |some |the )?"
    r"(?:notes?|letters?|videos?)\b[^.!?]{0,30}\b(?:for|to) (?:each of )?"
    r"(?:my|everyone|everybody|all|the (?:kids|children|grandkids|grandchildren|family))\b|"
    r"\b(?:sorted|sorting|decided|deciding|planned|worked out|wrote down|written down) (?:out )?"
    r"who (?:gets|will get|should get|is getting|will have|has)\b|"
    r"\b(?:told|showed|show|tell|telling|showing|left) (?:my |the )?\w+ (?:where|how to find) "
    r"(?:the |my )?(?:passwords?|papers|documents|keys|insurance|bank|accounts?)\b|"
    r"\b(?:said sorry|saying sorry|apologi[sz]ed|apologi[sz]ing) to (?:everyone|everybody|all)\b|"
    r"\bcleared out (?:my|the) (?:flat|room|house|desk|locker)\b|"
    r"\b(?:passwords?|pin numbers?)\b[^.!?]{0,20}\b(?:in an envelope|written down|on the desk)|"
    r"\bsorted (?:out )?(?:the|my) (?:life )?insurance\b|"
    r"\b(?:wrote|written|writing|write) down where (?:all )?(?:the |my )?(?:bank|passwords?|"
    r"papers|documents|insurance|accounts?|money|stuff)\b")
# Things given away, everything cancelled, every debt paid: a sign only beside such a cue.
LETTING_GO = re.compile(
    r"\b(?:gave|given|giving|give|handed|handing|sold|selling|rehomed|rehoming) (?:away |out )?"
    r"(?:all |most |some |half )?(?:of )?my (?!old |spare |extra )\w+|"
    r"\bfound (?:a )?(?:new )?homes? for (?:my|both|all|the)\b|"
    r"\b(?:cancel+ed|cancel+ing) (?:all|everything|every|my (?:\w+ )?\w+,? (?:my \w+|and))\b|"
    r"\bpaid (?:off|back) (?:all|the last|"
    r"every|everything|everyone)\b")
FINAL = re.compile(
    r"\b(?:things in order|somewhere to go|(?:dog|cat|pet)(?:'s|s)? (?:papers|things|new home)|"
    r"(?:all|everything)(?:'s| is)? (?:sorted|in order|arranged)|calm now|at peace|no need|"
    r"for after|when i am gone|after i am gone|just in case|in case (?:anything|something) "
    r"happens|(?:will not|do not|would not) (?:be )?need(?:ing)? (?:them|it|those|these|any)"
    r"(?! (?:after|until|till|for|this|next|at|in|once|when|now that)\b)|where i am going|"
    r"to be (?:opened|read)|in case i am (?:not|no longer) (?:there|here|around)|(?:people|someone|"
    r"somebody) who (?:will|is going to) be (?:around|there)|when (?:they|you|someone) find|"
    r"one last|while i (?:still )?can|"
    r"(?:so|then) (?:nobody|no one) (?:has|will have|needs) to|feels? lighter|"
    r"(?:tidy|sorted|done|in order|ready) before\b"
    r"(?! (?:the|my|a|an|we|i|work|christmas|\w+day)\b)|"
    r"(?:deal with it|sort it out|clean up) after\b(?! (?:the|my|a|an|work|lunch)\b))")
# What voices or others tell a person to do that would harm them: a crisis once the
# conversation has shown an acute sign (voices, a delusion), or said of the voices themselves.
COMMAND = re.compile(r"\b(?:told|tell|tells|telling|want|wants|wanted|ordered|orders) me to "
                     r"(?:hurt|kill|cut|harm|burn|stab|jump|drown|end|starve|go (?:in)?to the "
                     r"(?:river|bridge|roof|tracks|railway|cliffs?|sea|lake|motorway|canal))\b")
# Joining someone who has died, said in a conversation that names the death.
JOIN = re.compile(r"\b(?:i (?:should|want to|could|will|would like to|wish i could|am going to|"
                  r"just want to|need to)|so (?:that )?i can|so i could)(?: just| go and| go)? "
                  r"(?:join|be with) (?:her|him|them|"
                  r"my \w+)(?: again)?\b")
DEATH = re.compile(r"\b(?:died|dead|passed away|passed|funeral|grave|death|killed|lost (?:my|our) "
                   r"\w+)\b")
# Read across sentences ("I want it all to stop. Forever.") and without an "I" ("what's the
# point in carrying on").
UNSPLIT = re.compile(
    r"\bwhat is (?:even )?the point (?:in|of) (?:carrying on|going on|living|being alive|being "
    r"here|me|existing|life|staying alive|any more|anymore)\b(?! (?:for|with|if) (?:him|her|"
    r"them|you|they|he|she)\b)|"
    r"\b(?:want|wish|need) (?:it|everything|all of it|this|it all|the pain|life) to (?:stop|end)"
    r"\W{0,3}\s?(?:permanently|forever|for good|for ever)\b|"
    # (written 2026-12-07 from the kinds sealed26 and 27 missed, by construct) across sentences:
    # something given without saying why; a last look at the places of one's life; a pet
    # rehomed for an after with no one to care for it; the others fine once the shock passes
    r"\b(?:gave|given|giving|handed) (?:[^.!?]{0,60}[.!?]\s*){0,2}(?:\w+ ){0,4}(?:i )?(?:did not|"
    r"would not|will not) tell (?:her|him|them) why\b|"
    r"\b(?:visit\w*|went (?:back )?to|going (?:back )?to|(?:went|been|going) round|walked|"
    r"walking) (?:round )?(?:all )?"
    r"(?:the |my )?(?:old )?(?:places|spots|haunts)\b(?![^.!?]{0,60}\bbefore (?:we|i|the|they|"
    r"our|my) (?:move|emigrat|leave|sell|go)\w*)[^!?]{0,80}\bone (?:last|final) (?:look|time|"
    r"visit)\b|"
    r"\b(?:found (?:a )?(?:new )?home for|rehomed|rehoming|gave away) (?:my |the |our )?(?:dog|"
    r"cat|pet|puppy|kitten|rabbit|horse)\b[^!?]{0,80}\b(?:will not|would not|can not|not going "
    r"to) be (?:able to|around to) (?:look after|care for|walk|feed) (?:her|him|them|it)\b(?! "
    r"(?:while|during|when|because|since|with|on|in|at|once)\b)|"
    r"\b(?:they|the kids|my kids|the children|my children|she|he|everyone|my family) (?:will|"
    r"would|are going to|is going to) be (?:alright|fine|okay|ok|better) (?:once|after|when) the "
    r"shock (?:wears|has worn|passes)\b")
# The lexicon's phrases said of someone else ("she told me she was suicidal"), of a past that is
# over ("I used to self-harm but I have been well for years"), or as an idiom ("dying to tell").
IDIOM = re.compile(r"\bdying (?:to (?:\w+)|for (?:a|an|some|the)\b|of (?:laughter|embarrassment|"
                   r"boredom|curiosity|thirst|hunger|heat|the heat|cold|shame|envy)|here\b|"
                   r"in (?:this|the) (?:heat|cold)\b)|"
                   # frustration, not hair pulled: "could pull my hair out over this form"
                   r"\b(?:want to|could|going to|about to|ready to|makes? me want to) pull my "
                   r"hair out\b|\bpull(?:ed|ing)? my hair out (?:over|about|with|at|trying|"
                   r"because of)\b")
# Someone else's suicide or self-harm, named as theirs ("we talked about my dad's suicide"):
# the lexicon's phrases are read without it.
THEIRS = re.compile(r"\b(?:my|our|his|her|their|a|the) (?:\w+ ){0,2}\w+(?:'s|s') (?:suicide|"
                    r"suicide attempt|attempt|overdose|self[- ]harm)\b|"
                    # suicide as a topic ("suicide prevention"), or someone else's state ("a
                    # friend who is suicidal"): the words without a disclosure
                    r"\b(?:suicide|self[- ]harm) (?:prevention|awareness|statistics|rates?|"
                    r"hotline|helpline|charity|research|training|bereavement|first aid)\b|"
                    r"\b(?:a|my|our|the|his|her|their) (?:\w+ )?(?:friend|mate|sister|brother|son|"
                    r"daughter|mum|mom|dad|partner|colleague|student|pupil|patient|client|cousin|"
                    r"wife|husband|girlfriend|boyfriend|child|kid|teenager) (?:who is|who's|who "
                    r"was|that is|who has been|who keeps being|who might be) (?:suicidal|self "
                    r"harming)\b")
# The same idioms as the meaning readers should read them: they weigh "murder" and "dying"
# whatever follows ("I could murder a cigarette" read as a crisis).
PLAIN_IDIOMS = [(re.compile(p, re.I), r) for p, r in [
    (r"\bcould (?:murder|kill) (?:for )?(a|an|some)\b", r"really want \1"),
    (r"\b(i'?m|i am) dying (?:here|in (?:this|the) (?:heat|cold))\b", r"\1 so uncomfortable"),
    (r"\b(?:is|are|will be|'s|'re) (?:going to|gonna) kill me (when|if)\b", r"will be cross \1"),
    (r"\bmurder (?:this|that|a|an|the|some) (?:\w+ )?(pizza|burger|curry|kebab|cake|pint|beer|"
     r"coffee|sandwich|dinner|lunch|breakfast|meal|takeaway|chips|steak)\b", r"devour this \1"),
    # (2026-12-07) everyday sayings with a word of death or an ending in them, as plainly meant
    (r"\bcrash(?:ing)? (?:out )?on (the|my|a|his|her) (sofa|couch|settee|bed|floor|futon)\b",
     r"sleep on \1 \2"),
    (r"\b(?:will|is going to|gonna|could) finish me off\b", r"will wear me out"),
    (r"\b(?:be|is) the death of me\b", r"wear me out"),
    (r"\b(?:killing|killed|kill|smashing|smashed) it\b(?! (?:myself|all))", r"doing great"),
    (r"\bdead (?:tired|on my feet|beat)\b", r"very tired"),
    (r"\bdying to (see|try|know|tell|meet|go|hear|read|watch|visit)\b", r"eager to \1"),
    (r"\b(?:bored|scared|worried|sick) to death\b", r"very bothered"),
    (r"\bover my dead body\b", r"absolutely not"),
    (r"\bend (this|the|my|our) (pattern|habit|cycle|membership|subscription|contract|streak|lease|"
     r"tenancy|phone contract|gym membership)\b", r"stop \1 \2"),
    (r"\bdisappear (?:off )?(to|into|in) (a|the) (cabin|mountains|woods|forest|beach|island|"
     r"countryside|hills|highlands|library)\b", r"get away \1 \2 \3"),
    (r"\bdisappear for (a|the) (week|weekend|month|fortnight|few days|day|summer)\b",
     r"get away for \1 \2"),
    (r"\blet(?:ting)? go of (the need|my need|perfectionism|expectations|the past|control|"
     r"grudges?|old friendships|clutter)\b", r"stop holding on to \1"),
    (r"\bmy (phone|laptop|battery|car|plant|plants|fridge|printer|kettle|tv|boiler|"
     r"sourdough starter) (died|is dying|has died)\b", r"my \1 stopped working"),
    (r"(\bwould|\bwill|\bis going to|'s going to|\bare going to|\bgonna|\bgoing to|'d|'ll) "
     r"(?:kill|murder) me (if|when)\b", r"\1 be cross \2"),
    (r"\b(i'?m|i am) (?:literally |actually |so |absolutely )?(?:dead|dying|deceased)\b(?! inside)"
     r"(?=[^.!?]*(?:\b(?:lol|lmao|haha\w*|so funny|hilarious|that meme|that video|that joke)\b|"
     r"[\U0001F602\U0001F923\U0001F480]))", r"\1 laughing so much"),
    (r"\bat the end of my (?:rope|tether) (with|over|about)\b", r"fed up \1"),
    (r"\bshot (myself|ourselves) in the foot\b", r"made it harder for \1"),
    (r"\bcould sleep for (?:a|an|\d+|a hundred|a thousand) (?:week|weeks|month|months|year|years|"
     r"days)\b", r"am very tired"),
    (r"\bcurl up and sleep for (?:a|the) (week|weekend|month)\b", r"rest for a \1"),
    (r"\b(?:my|our) own worst enem(?:y|ies)\b", r"too hard on myself"),
    (r"(\bwould|'d) jump off a (?:cliff|bridge) for\b", r"\1 do anything for"),
    (r"\b(?:could|'d|would|going to|gonna) (?:strangle|murder|kill|throttle) (my (?:brother|sister|"
     r"flatmate|roommate|husband|wife|partner|boyfriend|girlfriend|kids?|son|daughter|mum|mom|dad|"
     r"boss|cat|dog)) (?=for (?:telling|eating|taking|being|leaving|using|borrowing|saying|"
     r"forgetting|losing|breaking|drinking|finishing)\b)", r"am so cross with \1 "),
    # (2026-12-07 afternoon, from 40 everyday sentences written for the purpose, 18 flagged)
    (r"\b(?:(?:buried )?up to my (?:neck|eyeballs|ears)|buried|snowed under) (?:in|under|with)\b",
     r"very busy with"),
    (r"\b(i'?m|i am|i was|i'?ve been|i have been) (?:a |an absolute |a total |such a )?(?:corpse|"
     r"zombie)\b", r"\1 very tired"),
    (r"\bfeel like (?:a |an absolute |a total )?(?:corpse|zombie)\b", r"feel very tired"),
    (r"\b(?:nearly|almost|practically) lost the will to live\b", r"was so bored"),
    (r"\b(?:is|are|'s|'re) (?:slowly |really )?finishing me off\b", r"is wearing me out"),
    (r"\b(?:on (?:its|their|his|her) last legs)\b", r"nearly worn out"),
    (r"\bi could (?:scream|spit)\b", r"i am so annoyed"),
    (r"\bis a (?:crime scene|war zone|warzone|disaster zone|bloodbath)\b", r"is a mess"),
    (r"\blike death warmed up\b", r"very ill"),
    (r"\b(?:i'?ll|i will) be in my grave before\b", r"it will take forever before"),
    (r"\bsend me to an early grave\b", r"wear me out"),
    (r"\b(?:i'?ll|i will|i'?m going to|i am going to|gonna) lose it\b(?! all\b)",
     r"i will be cross"),
    (r"\b(?:absolutely |totally |completely )?(?:murdered|destroyed|annihilated) me\b(?! and\b)",
     r"got to me"),
    (r"\b(?:happily|gladly|cheerfully) (?:strangle|murder|kill|throttle)\b", r"be so cross with"),
    (r"\bmakes? me want to die a (?:little|bit)\b", r"makes me cringe"),
]]


def plain_idioms(message: str) -> str:
    for pattern, plain in PLAIN_IDIOMS:
        message = pattern.sub(plain, message)
    return message
PAST = re.compile(r"\b(?:used to|years ago|as a (?:teen|teenager|kid|child)|when i was (?:younger|"
                  r"a teen\w*|a kid|\d+|at school|in school)|in the past)\b")
WELL = re.compile(r"\b(?:well|free of|clean|recovered|recovery|stopped|better now|proud|over it|"
                  r"behind me)\b")
RELAPSE = re.compile(r"\b(?:again|relaps\w*|started|back to|back on|lately|recently|these days|"
                     r"tonight|today|this week|last night)\b")
# Words that soften without changing what is said ("if I just wasn't here", "I really can't"):
# left out before the rules and wishes are read, so that they do not break a match.
FILLERS = re.compile(r"\b(?:just|really|honestly|actually|literally|simply|genuinely|truly|"
                     r"basically|kind of|kinda|sort of|sorta)\b,? ?")
THIRD = {"he", "she", "they", "him", "her", "them", "his", "their", "someone", "somebody"}
SELF = {"i", "me", "my", "myself", "we", "us", "our"}
MEANS = re.compile(
    r"\b(?:tallest|highest|how (?:high|tall|far down|deep)(?! (?:is|are|was|were|will|would|"
    r"can|could) (?:the |my |your |our |their )?(?:\w+ )?(?:excess|rent|price|prices|cost|bill|"
    r"fee|fees|interest|rate|premium|tax|salary|score|pay|mortgage|deposit|charge|fine)\b)|"
    r"top floor|roof(?:top)?|cliffs?|"
    r"bridges?|ledge|balcony|overpass|train tracks?|railway|"
    # places of water and falls (safe messaging's "places")
    r"coast|sea ?front|the sea|river|lake|loch|estuary|quarry|reservoir|canal|dam|pier|harbou?r|"
    r"motorway|electrified|"
    r"viaduct|how (?:many|much)\b[^.?!]{0,40}"
    r"\b(?:pills?|tablets?|capsules?|antidepressants?|mg|milligrams?|doses?|would it take|"
    r"too (?:much|many)|kill|dangerous|"
    r"lethal|fatal)|lethal|fatal dose|dangerous (?:amount|dose|number)|overdose|too much \w+|"
    r"pesticides?|poisons?|antifreeze|"
    r"bleach|cyanide|carbon monoxide|helium|rope|noose|guns?|firearms?|pistol|rifle|shotgun|"
    r"knife|knives|blades?|razors?|sharpener|painkillers?|sleeping pills?|painless|"
    r"strongest \w+|drown|morphine|opioids?|insulin|paracetamol|tylenol|acetaminophen|"
    # heights and ways spelled as a question of distance or time (safe-messaging's "means")
    r"high enough|far enough|fall from|falls? (?:from|off)|floors? up|storeys?|drown\w*|"
    r"how far (?:would|do|does|can|should) (?:you|i|someone|a person) (?:have to |need to )?fall|"
    r"jump(?:ing)? (?:off|from|in front)|before jumping|bleed(?:ing)? out|suffocat\w*|"
    r"hang(?:ing)? (?:yourself|myself|someone)|how long (?:does|"
    r"would) it take to die|dangerous to (?:mix|take together)|would (?:it|that) be fatal|"
    r"kill (?:you|a person|someone)|be sure (?:to|it|you) (?:die|works?)|veins?|arter(?:y|ies)|"
    r"(?:deadly|toxic|poisonous|lethal|fatal) (?:if|when) (?:mixed|combined|swallowed|taken)|"
    r"chemicals?\b[^.?!]{0,30}\b(?:deadly|toxic|poison\w*|lethal|kill\w*)|"
    # places known for it, named (safe messaging's "hotspots")
    r"beachy head|golden gate|clifton suspension|humber bridge|niagara)\b")
# Recent losses and low mood the lexicon spells as phrases ("got fired") but people say in
# many ways: risk factors that make a means question a crisis (C-SSRS, 988 warning signs).
LOSS = re.compile(
    r"\b(?:lost|losing|lose) (?:my|our) (?:job|work|house|home|husband|wife|partner|child|son|"
    r"daughter|mum|mom|dad|father|mother|baby|everything)\b|\b(?:fired|laid off|sacked|evicted|"
    r"dumped|divorc\w+|bankrupt\w*|diagnos\w+|died|passed away|funeral|left me|is leaving|"
    r"not coping|can not cope|(?:my|our) \w+ passed\b(?! (?:my|the|a|an|his|her|their|its)\b)|"
    r"leaving me|broke up|break ?up|kicked out|expelled|thrown out)\b|"
    r"\bmy (?:girlfriend|boyfriend|wife|husband|partner|fiance|fiancee) (?:has )?(?:left|walked "
    r"out)(?= *(?:[.!?;,]|$))|\b(?:so|really|very|too) (?:low|down|depressed|sad|"
    r"hopeless|alone|empty)\b|\bfalling apart\b|\bcan not take\b|\bdone with everything\b|"
    r"\bfailed (?:again|everything|it all)\b|\beverything(?:'s| is)? gone\b|"
    r"\bi (?:ruin|ruined|wreck|wrecked|mess up|messed up|spoil|spoiled|spoilt|destroy|destroyed) "
    r"(?:everything|every \w+|it all)\b|\bi am (?:such )?(?:a )?(?:failure|useless|worthless|"
    r"pointless|a waste of space)\b|"
    r"\b(?:have not|not|barely|hardly|never) slept (?:properly |well |at all )?(?:in|for|since)\b|"
    r"\b(?:got|get|getting|given|giving me) the (?:sack|boot|push)\b|"
    r"\bnowhere (?:to|else to) (?:live|go|stay|sleep)\b|\brepossess\w*|\btaking (?:the|my|our) "
    r"(?:house|home|flat)\b|\bhomeless\b|\bgone under\b|\bowe (?:everybody|everyone|thousands|"
    r"money to everyone)\b|\bbailiffs?\b|\bsobb\w*|\bnothing (?:ever )?gets better\b|"
    r"^\W*what is the point\W*$")
FIRST_PERSON = re.compile(r"\b(?:i|me|my|myself|mine|we|us|our)\b")
OTHERS = re.compile(r"\b(?:you|your|he|she|they|his|her|their|someone|somebody|people|person|"
                    r"one's|characters?|villain)\b|^(?:what|why|how|when|where|who|is|are|does|do|"
                    r"can|could|should|would|was|were|tell me)\b")
SELF_OR_DEATH = re.compile(r"\b(?:i|me|my|myself|die|dying|dead|death|suicid\w*|kill|life|"
                           r"live|living|alive|exist)\b")
# (a sentence may begin one without its mark: "got fired lol. how much tylenol is too much")
QUESTION = re.compile(r"\?|(?:^|[.!;]\s*)(?:what|where|which|how|is|are|can|could|would|do|"
                      r"does)\b")


# The answer to a check-in ("are you having thoughts of suicide, or of hurting yourself?"),
# read only in the message right after it. Unsure counts as yes: the resources are for it.
SAID_YES = re.compile(r"^\W*(?:yes|yeah|yea|yep|yup|ya|sometimes|maybe|kind of|kinda|sort of|"
                      r"a (?:bit|little)\W*$|often|every day|all the time|i do\W*$|i think so|"
                      r"i guess|not sure|i am not sure|i do not know|idk|probably|honestly,? "
                      r"yes|more than i would like)\b")
SAID_NO = re.compile(r"^\W*(?:no|nope|nah|not at all|not really|never|god,? no|of course not|"
                     r"i am not|i am fine|i am okay|i am ok|definitely not|absolutely not)\b"
                     r"(?![^.!?]{0,40}\bbut\b)")  # "no, but sometimes…" is not a no
# Where the meaning reader alone asks rather than gives the crisis reply, in its score's units
# about its cut: from the cut to 1.75 above it (where, on the development sets, the highest
# ordinary message scored: 4.30 against a cut of 2.60). A band below the cut (CHECK_IN_BAND)
# would ask about more messages than the crisis reply ever met: chosen first at 0.5 on the
# development sets (162 of their 184 crises reached, 22 of 410 ordinary messages asked), it
# reached one crisis more in 73 on sealed4 and sealed5, but asked 7 of 72 new ordinary messages
# of the listening sets 5 and 6 (a towed car, a reservoir drained): one venting person in ten
# asked about suicide. So the check-in only changes how the meaning reader's alarms are met,
# never how many.
CHECK_IN_BAND, CHECK_IN_ABOVE = 0.0, 1.75
# The meaning readers' risk from which a message left unflagged is read by the channel even
# without a word of distress (care_channel.py; set on the development sets with its cut)
CHANNEL_FLOOR = 0.0

# Joy said plainly, with nothing of loss, an ending or a decision beside it ("passed the test on
# the fourth try and can't stop grinning"): the meaning readers, which weigh words such as
# "can't stop" and "try", alone do not ask such a message about suicide. A wish, a phrase or a
# rule still does, and so does the meaning reader's care level (mania can sound like joy).
# The calm or relief of a decision made is a warning sign (988), so those words undo it.
BRIGHT = re.compile(
    r"\b(?:grinning|grin|beaming|over the moon|thrilled|delighted|overjoyed|ecstatic|buzzing|"
    r"so (?:happy|proud|excited|chuffed)|really (?:happy|proud|excited)|excited|proud of (?:my|me|"
    r"him|her|them|us)|can not stop (?:smiling|grinning|laughing)|smiling (?:all day|so much|"
    r"from ear to ear)|first time ever|best day)\b")
# Kindness received ("the driver waited for me", "she slipped in a bar of chocolate", "showed
# me how, slowly"): a good moment, often told with tears in it. The readers of meaning alone
# asked five such messages of listening sets 35-37 (2026-12-07) whether they meant suicide.
KIND = re.compile(
    r"\b(?:waited for me|showed me how|taught me how|kindest|so kind|kindness|hugged me|held my "
    r"hand|brought me|made me (?:a|some|tea|dinner|breakfast|lunch|a cake)|thanked me|signed a "
    r"card|slipped (?:in|me)|checked (?:on|in on) me|remembered my|stood up for me|ran (?:straight "
    r"|right )?(?:to|up to) me|came to (?:see|visit) me|saved me (?:a|the|some)|covered my shift|"
    r"lent me|let me (?:go first|in|have)|gave me (?:a|his|her|their) (?:seat|hug|lift|hand))\b")
DARK = re.compile(
    r"\b(?:decided|decision|made up my mind|plan|planned|at peace|peaceful|relief|relieved|free|"
    r"freedom|soon|over|end|ending|ended|last|gone|goodbye|die|dying|dead|death|kill|suicid\w*|"
    r"hurt|harm|pain|not be here|without me|burden|tired|exhausted|alone|empty|numb|point|"
    r"anymore|any more|never|miss|lost|lose|cry|crying|sad|depress\w*|hopeless|worthless|"
    r"voices?|slept|sleep|pills|rope|bridge|gun|knife|hate)\b")


INFO_QUESTION = re.compile(r"^(?:how|what|where|which|who|when|why|is|are|can|could|should|do|"
                           r"does|did|tell me)\b[^.!]*\?\s*$")
DISTRESS_MARGIN = 1.5  # in the risk score's units (spreads on everyday text)
READER_GRAMMAR = 'root ::= "none" | "care" | "crisis"'


class SecondReader:
    """The chat model as a second reader of the messages the first two readers found
    ambiguous: one word, constrained by a grammar, from a fixed (cached) instruction."""

    def __init__(self, model: ChatModel) -> None:
        self.model = model

    def read(self, messages: list[str]) -> str | None:
        from .prompts import render

        lines = "\n".join(f"{'LAST: ' if i == len(messages) - 1 else ''}{m}"
                          for i, m in enumerate(messages))
        answer = "".join(self.model.stream(
            [{"role": "system", "content": render("care_reader")},
             {"role": "user", "content": f"Messages, oldest first:\n{lines}\n\nOne word:"}],
            max_tokens=3, temperature=0.0, grammar=READER_GRAMMAR)).strip()
        return answer if answer in (CRISIS, CARE) else None


@dataclass
class CareState:
    """What a conversation carries forward: its highest level so far, and recent distress."""

    level: str | None = None
    kind: str | None = None
    distress: int = 0  # messages since the last one that showed distress (0: none seen)
    recent: list[str] = field(default_factory=list)  # the last few messages, for the reader
    asked: bool = False  # the last reply asked directly about suicide and self-harm
    pending: bool = False  # asked and not answered no: the resources stay on the page
    declined: bool = False  # the person answered no: asked again only on a stronger sign

    def as_dict(self) -> dict[str, Any]:
        """What is stored with the conversation (its messages are stored there already)."""
        return {k: v for k, v in asdict(self).items() if k != "recent"}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> CareState:
        return cls(**{k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class CareVerdict:
    level: str | None  # this message's level: crisis | care | None
    kind: str | None
    evidence: str = ""
    carried: str | None = None  # the conversation's level after this message
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def crisis(self) -> str | None:
        return self.kind if self.level == CRISIS else None

    @property
    def care(self) -> str | None:
        return self.kind if self.level == CARE else None

    @property
    def check_in(self) -> bool:
        """The meaning reader alone found risk: the reply asks directly (see CareCheck)."""
        return self.level == CHECK_IN


# A sentence that starts with what was done and leaves out its "I", as a diary does ("picked up
# more tablets so they would not ask"): said of oneself, though it names others.
DIARY = re.compile(r"^\W*(?:\w+ed|got|bought|took|made|gave|went|told|left|wrote|sent|sold|found|"
                   r"put|kept|rang|said|set|hid|drove|ran|held|picked|tied|cut|burnt|swallowed|"
                   r"stocked|been)\b(?! (?:by|that)\b)")


def _spoken(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """A match in a sentence the person says of themselves: "what does it mean to commit
    suicide?" or "he wants to die" name the words without being a disclosure."""
    for sentence in SENTENCE_BREAK.split(text):
        match = pattern.search(sentence)
        if not match or (OTHERS.search(sentence) and not FIRST_PERSON.search(sentence)
                         and not DIARY.match(sentence)):
            continue
        if INFO_QUESTION.match(sentence) and not SELF_OR_DEATH.search(match.group(0)):
            continue  # "where can I buy a gun safe?": a means question, for the means rule
        subjects = [w for w in re.findall(r"[a-z']+", sentence[:match.start()])
                    if w in THIRD or w in SELF]
        if subjects and subjects[-1] in THIRD and not SELF & set(
                re.findall(r"[a-z']+", match.group(0))):
            continue  # "my friend told me she was suicidal": said of her, not of oneself
        return match
    return None


def _first(read: Callable[[str], re.Match[str] | None | bool],
           readings: Sequence[str]) -> re.Match[str] | None:
    """The first match `read` finds in any of `readings` (a message with and without its
    softening words)."""
    for reading in readings:
        if isinstance(found := read(reading), re.Match):
            return found
    return None


def _present(message: str, text: str, normalise: Any) -> str:
    """The message without its sentences about a past that is over ("I used to self-harm as a
    teenager but I have been well for ten years"), unless it also says it came back; `text` is
    the message normalised. The message itself when no sentence is dropped."""
    sentences = SENTENCE_BREAK.split(message)
    lows = [normalise(s) for s in sentences]  # a return said beside being well is not one
    if not (PAST.search(text) and WELL.search(text)) or any(
            RELAPSE.search(low) and not (WELL.search(low) and not PAST.search(low))
            for low in lows):
        return message  # no sentence can be about a past that is over (nor all of it)
    # the sentences about the past go; the one that says it is over stays
    kept = [s for s, low in zip(sentences, lows, strict=True) if not PAST.search(low)]
    return message if len(kept) == len(sentences) else " ".join(kept)


# A question about whether one's own experience is normal, wrong or shared ("is it normal to
# ...", "is it bad that I ...", "why do I keep ...", "does anyone else ...") says the experience:
# it is read as said ("I ..."), not as a question asking for information, which the rules and
# the meaning reader leave aside (XSTest's "How do I kill a Python process?").
OWN_QUESTION = re.compile(
    r"^\s*(?:(?:so|but|and|honestly|seriously|genuinely|ok|okay),?\s+)*(?:"
    r"is it (?:normal|ok|okay|alright|bad|wrong|weird|strange|common|crazy|healthy|selfish) "
    r"(?:to (?P<to>.+)|(?:that|if|when) (?:i|i'm|i am|i've|i have) (?P<that>.+))|"
    r"am i (?:the only one|weird|crazy|normal|wrong|bad|broken) (?:to|who|that|for|if|because) "
    r"(?P<only>.+)|"
    r"(?:does|do) (?:anyone|anybody|everyone|other people|others) (?:else )?(?P<else>.+)|"
    r"why (?:do|can't|cannot) i (?P<why>.+))$", re.I)


def own_question(message: str) -> str | None:
    """`message` as a statement of the person's own experience if it asks whether that
    experience is normal, wrong or shared; None otherwise."""
    match = OWN_QUESTION.match(message.strip().rstrip("?!. "))
    if not match or "?" not in message:
        return None
    name, said = next((k, v) for k, v in match.groupdict().items() if v)
    head = match.group(0)[: match.start(name)]  # the words before what they say of themselves
    if re.search(r"\b(?:i'm|i am)\s*$", head, re.I):
        return f"I'm {said}."
    if re.search(r"\b(?:i've|i have)\s*$", head, re.I):
        return f"I've {said}."
    if re.search(r"\bwhy can'?t\s+i\s*$|\bwhy cannot i\s*$", head, re.I):
        return f"I can't {said}."
    return f"I {said}."


# What the readers of meaning flag on their own (no phrase or rule said it outright).
READERS_ALONE = frozenset({"crisis_meaning", "care_meaning", "check_in_meaning", "check_in_near",
                           "check_in_channel"})


class CareCheck:
    """check(message, state) -> CareVerdict; `state` is updated (the risk carries forward)."""

    def __init__(self, embeddings: Embeddings | None = None,
                 data: dict[str, Any] | None = None, reader: SecondReader | None = None,
                 ambiguous: float = 0.1, probe: RiskProbe | None = None,
                 channel: RiskChannel | None = None) -> None:
        self.embeddings = embeddings
        self.model = CareModel(data) if data is not None else CareModel.shipped()
        self.reader = reader
        self.ambiguous = ambiguous  # classifier probability from which the reader is asked
        self.probe = probe  # the chat model's own reading, added to the meaning reader's
        self.channel = channel  # the chat model as a noisy channel, for what is left

    def check(self, message: str, state: CareState | None = None) -> CareVerdict:
        """Phrases and rules (what is said outright) give the crisis or care reply. The meaning
        reader alone gives the care reply for an acute sign, and for risk of suicide or
        self-harm a check-in: the reply asks directly, with the resources, and the answer
        decides (yes or unsure: the crisis reply; no: listening goes on). Asking directly is
        what the C-SSRS screen and crisis lines do, and what a reader that is sometimes wrong
        about a venting person can do without telling them they are in crisis."""
        state = state if state is not None else CareState()
        answering, state.asked = state.asked, False
        text = self.model.normalise(message)
        if (present := _present(message, text, self.model.normalise)) != message:
            message, text = present, self.model.normalise(present)
        if own := own_question(message):  # their own experience, asked about: said
            message, text = own, self.model.normalise(own)
        stems = self.model.stem(IDIOM.sub(" ", THEIRS.sub(" ", text)))
        plain = " ".join(FILLERS.sub("", text).split())  # for the rules and wishes
        readings = (plain, text) if plain != text else (text,)  # with and without them
        recent = state.level is not None or 0 < state.distress <= 6
        level, kind, evidence = max(self._phrases(stems, text, recent), *map(self._rules, readings),
                                    key=lambda found: RANK[found[0]])
        scores: dict[str, float] = {}
        distress = bool(self.model.patterns["distress"].search(stems) or LOSS.search(text))
        if level == CRISIS and kind == "suicidal" and not recent and DIE_WISH.search(
                evidence) and HYPERBOLE.search(text) and not LOSS.search(text) and not (
                self.model.distress_besides(stems, evidence)):
            # "hungover and I want to die", "the exam was brutal, I wanted to die": most often a
            # figure of speech, sometimes not; asked about directly, as a crisis line would
            level, kind = CHECK_IN, "check_in_wish"
        if level is None and answering:
            if SAID_YES.search(text):
                level, kind, evidence = CRISIS, "suicidal_check_in", message
            elif SAID_NO.search(text):
                state.declined, state.pending = True, False
                level, kind, evidence = None, "check_in_declined", message
        # signs of mania or of restrictive eating said over a few turns count together
        lately = " ".join([*map(self.model.normalise, state.recent[-2:]), text])
        if level is None and state.recent and mania_signs(lately) >= 2:
            level, kind, evidence = CARE, "mania", message
        if level is None and len(eats := eating_signs(lately)) >= 2 and eats & {
                "restriction", "compensation"}:
            level, kind, evidence = CARE, "eating", message
        if RANK[level] < RANK[CRISIS] and (command := _first(COMMAND.search, readings)) and (
                state.level == CARE or kind in ("voices", "psychosis")):
            level, kind, evidence = CRISIS, "command_to_harm", command.group(0)
        wish = _first(lambda said: _spoken(WISH, said) or UNSPLIT.search(said) or (
            (join := JOIN.search(said)) and any(DEATH.search(self.model.normalise(m))
                                               for m in [*state.recent, message]) and join) or (
            (affairs := _spoken(AFFAIRS, said)) and (distress or recent or FINAL.search(said))
            and affairs) or ((gone := _spoken(LETTING_GO, said)) and FINAL.search(said) and gone)
            or _spoken(RESEARCHED, said) or ATTEMPT_BACK.search(said) or (
            (back := _spoken(NOT_BACK, said)) and MEANS.search(text) and back), readings
        ) if level is None and kind is None else None
        # sayings made plain, for the meaning readers and the channel (they read only what
        # the phrases and rules left)
        plain_said = plain_idioms(message) if level is None and kind is None else message
        if level is None and kind is None and self.embeddings is not None:
            level, kind, evidence, scores = self._meaning(plain_said, distress or recent)
            if level == CRISIS and state.level is None and scores[
                    "risk"] < self._cut() + self._above():
                level, kind = CHECK_IN, "check_in_meaning"
            elif level is None and not state.declined and state.level is None and scores.get(
                    "risk", float("-inf")) >= self._cut() - CHECK_IN_BAND and \
                    scores.get(CRISIS, 0.0) >= scores.get(CARE, 0.0):
                level, kind, evidence = CHECK_IN, "check_in_near", message
        if level is None and kind is None and self.channel is not None and not (
                state.declined or state.level) and (distress or recent or scores.get(
                    "risk", float("-inf")) >= CHANNEL_FLOOR) and (
                (heard := self._channel(plain_said)) is not None):
            # left unflagged after signs of distress: how likely these words are from a
            # person at risk, against from one on an ordinary day; asked about, never assumed
            scores["channel"] = heard
            if heard >= self.channel.cut:
                level, kind, evidence = CHECK_IN, "check_in_channel", message
        if level == CHECK_IN and not (distress or recent) and not DARK.search(text) and (
                cleared := "bright" if BRIGHT.search(text) else "kind" if (
                    kind in READERS_ALONE and KIND.search(text)) else None):
            # joy, or kindness received that the readers alone asked about: not a disclosure
            level, kind, evidence = None, cleared, ""
        if kind in READERS_ALONE and state.level is None and self.probe is not None and (
                (said := self._written(plain_said)) is not None):
            # flagged by the readers of meaning alone: read again by the head fitted on
            # messages written the way people write them; low there, a care or check-in flag is
            # not trusted, and the crisis reply asks first (eval/care/README.md, sealed30)
            scores["written"] = said
            if said < self.probe.clear_below:
                level, kind = ((CHECK_IN, "check_in_meaning") if level == CRISIS
                               else (None, "cleared"))
        if wish and (level != CRISIS or state.level is None and kind == "check_in_meaning"):
            # a wish not to live, said in everyday words: asked about directly, or the crisis
            # reply where the conversation has shown risk already (the meaning reader's own
            # crisis reply, above its check-in band, stands)
            level, kind = (CRISIS, "suicidal") if state.level else (CHECK_IN, "check_in_wish")
            evidence = wish.group(0)
        if level == CHECK_IN and (plan := _first(plan_said, readings)):
            level, kind, evidence = CRISIS, "suicidal_plan", plan.group(0)
        risk = max(scores.get(CRISIS, 0.0), scores.get(CARE, 0.0))
        if level is None and self.reader is not None and (
                distress or recent or risk >= self.ambiguous) and (
                read := self.reader.read([*state.recent, message])):
            level, kind, evidence = read, f"{read}_second_reader", message
        state.recent = [*state.recent, message][-3:]
        # Near the cut without reaching it: not a disclosure, but distress enough that a
        # question about heights or doses after it is read as one.
        near_cut = scores.get("risk", float("-inf")) >= self._cut() - DISTRESS_MARGIN
        distressed = level is not None or distress or risk >= 0.3 or near_cut
        means = MEANS.search(text)
        if RANK[level] < RANK[CRISIS] and means and QUESTION.search(text) and (
                distressed or recent):
            level, kind, evidence = CRISIS, "means_after_distress", means.group(0)
        state.distress = 1 if distressed else (state.distress + 1 if state.distress else 0)
        state.asked = level == CHECK_IN
        state.pending = state.pending or state.asked
        if RANK[level] > RANK[state.level]:
            state.level, state.kind = level, kind
        return CareVerdict(level, kind, evidence, state.level, scores)

    def _probe(self, message: str) -> tuple[float, float] | None:
        assert self.probe is not None
        return self._or_none("probe", "reading", self.probe.score, message)

    def _written(self, message: str) -> float | None:
        assert self.probe is not None
        return self._or_none("probe", "reading", self.probe.written, message)

    def _channel(self, message: str) -> float | None:
        assert self.channel is not None
        return self._or_none("channel", "channel", self.channel.score, message)

    def _or_none(self, reader: str, what: str, score: Callable[[str], Any], message: str) -> Any:
        """A chat model reader's score, or None where its model cannot be loaded: the check
        goes on without it (and without asking it again) rather than failing the turn."""
        try:
            return score(message)
        except AssistantError as exc:
            log.warning("The care check goes on without the chat model's %s: %s", what, exc)
            setattr(self, reader, None)
            return None

    def _above(self) -> float:
        """How far above the cut the meaning reader alone asks rather than gives the crisis
        reply (up to where the highest ordinary development message scored)."""
        if self.probe is not None and self.embeddings is not None:
            return self.probe.check_in_above
        return CHECK_IN_ABOVE

    def _cut(self) -> float:
        if self.probe is not None and self.embeddings is not None:
            return self.probe.joint_cut
        return float(self.model.data["classifier"]["neighbours"]["cut"])

    def _phrases(self, text: str, said: str, recent: bool = False
                 ) -> tuple[str | None, str | None, str]:
        """The lexicon's phrases in `text` (stemmed); `said` is the message unstemmed, for the
        words that tell an everyday sense ("cooking", "on purpose" have other stems)."""
        found: tuple[str | None, str | None, str] = (None, None, "")
        for kind, pattern in self.model.patterns.items():
            if kind != "distress" and (match := _spoken(pattern, text)):
                if self.model.everyday.fullmatch(match.group(0)) and not recent and not (
                        self.model.distress_besides(text, match.group(0))):
                    continue  # "writing a will now the baby's here": a second sign wanted
                if kind == "self_harm" and MISHAP.search(said) and not PURPOSE.search(said):
                    continue  # "I cut myself shaving"
                if kind == "suicidal" and ACCIDENT.search(said) and not PURPOSE.search(said):
                    continue  # "stabbed myself with a fork by accident"
                if everyday_context(kind, match.group(0), said):
                    continue  # "I haven't eaten today, too busy", "tired of life admin"
                if "voic" in match.group(0) and people_heard(said):
                    continue  # "I hear voices through the wall": the neighbours
                if kind == "self_harm" and match.group(0).endswith(" my") and not (
                        self.model.body.match(text, match.end())):
                    continue  # the lexicon's "scratch my" and "needle in my": of the body only
                # sleep lost is not sleep not needed: mania_signs and RULES read it beside
                # another sign (listening set 24: "havent slept properly all week" before a
                # job interview had the care reply)
                if kind == "mania" and re.search(r"\bslept\b|\bsleep", match.group(0)):
                    continue
                level = CARE if kind in self.model.care_kinds else CRISIS
                found = max(found, (level, kind, match.group(0)), key=lambda f: RANK[f[0]])
        return found

    def _rules(self, text: str) -> tuple[str | None, str | None, str]:
        found: tuple[str | None, str | None, str] = (None, None, "")
        for kind, (level, pattern) in RULES.items():
            # getting a gun or taking one's life is a sign when said of oneself, not when it is
            # asked about or said of someone else; a goodbye they did not know was one is both
            spoken = kind in ("preparing", "suicidal")
            match = _spoken(pattern, text) if spoken else pattern.search(text)
            if not match and kind == "preparing":
                match = UNKNOWING_GOODBYE.search(text)
            if match and kind in ("being_harmed", "harm_others") and NOT_MEANT.search(text):
                continue  # "my toddler hit me by accident", "he punched me when we were kids"
            if match and kind == "being_harmed" and CHILD_DID.search(text):
                continue  # "my toddler hit me in the face with a wooden spoon"
            if match and kind == "self_harm" and MISHAP.search(text):
                continue  # "I burned my hand on the oven cooking"
            if match and kind == "voices" and people_heard(text):
                continue  # "I hear voices through the wall": the neighbours
            if match and everyday_context(kind, match.group(0), text, text[match.end():]):
                continue  # "gave all my savings to the deposit for our first house"
            if match:
                found = max(found, (level, kind, match.group(0)), key=lambda f: RANK[f[0]])
        if found[0] is None and mania_signs(text) >= 2:
            found = (CARE, "mania", text)
        return found

    def _meaning(self, message: str, distressed: bool
                 ) -> tuple[str | None, str | None, str, dict[str, float]]:
        """The classifier over the message and its sentences; a question asking for
        information is left to the means rule unless the conversation shows distress."""
        import numpy as np

        model = self.model
        message = collapse_repeats(message)
        parts = [message, *[s for s in re.split(r"(?<=[.!?;])\s+|\n+", message)
                            if len(s.split()) >= 3]][:12]
        parts = [p for p in parts if distressed or not INFO_QUESTION.match(p.strip().lower())]
        # Too short to carry meaning on its own ("stay here a while"): phrases decide those.
        parts = [p for p in parts if len(p.split()) >= 5 or FIRST_PERSON.search(p.lower())]
        if not parts:
            return None, None, "", {}
        assert self.embeddings is not None
        vectors = np.array(self.embeddings.embed_documents(parts))
        classifier = model.data["classifier"]
        probs = _probabilities(classifier, vectors)
        classes: Sequence[str] = model.classes
        best: dict[str, float] = {c: float(probs[:, i].max()) for i, c in enumerate(classes)}
        odds, near = risk_scores(classifier, vectors, probs)
        risk = odds + near
        crisis_share = probs[:, classes.index(CRISIS)] / (
            probs[:, classes.index(CRISIS)] + probs[:, classes.index(CARE)] + 1e-9)
        if self.probe is not None and risk.max() >= self.probe.floor and (
                reading := self._probe(message)):
            # the whole message, as the chat model reads it: only where the sentence vectors
            # already lean towards risk (about one everyday message in six), for its cost
            read, share = reading
            best["probe"] = read
            risk = risk + self.probe.weight * read
            crisis_share = (crisis_share + share) / 2
        best["risk"] = float(risk.max())
        row = int(risk.argmax())
        if risk[row] >= self._cut():
            level = CRISIS if crisis_share[row] >= 0.5 else CARE
            return level, f"{level}_meaning", parts[row], best
        return None, None, "", best


def _probabilities(classifier: dict[str, Any], vectors: Any) -> Any:
    import numpy as np

    logits = vectors @ np.array(classifier["coef"]).T + np.array(classifier["intercept"])
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    return probs / probs.sum(axis=1, keepdims=True)


@cache
def _unpack(packed: str, dim: int) -> Any:
    import base64

    import numpy as np

    vectors = np.frombuffer(base64.b64decode(packed), dtype="<f2").astype(np.float32)
    vectors = vectors.reshape(-1, dim)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def risk_scores(classifier: dict[str, Any], vectors: Any,
                probs: Any = None) -> tuple[Any, Any]:
    """Two readings of each vector, each scaled by its spread on everyday text: the
    classifier's log-odds of care or crisis against none (`probs`, if already computed), and
    how much nearer the vector is to the written risk examples than to the written everyday
    ones (3 nearest each)."""
    import numpy as np

    near_cfg = classifier["neighbours"]
    probs = _probabilities(classifier, vectors) if probs is None else probs
    odds = np.log(probs[:, 1] + probs[:, 2] + 1e-9) - np.log(probs[:, 0] + 1e-9)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    k = near_cfg["k"]

    def nearest(packed: str) -> Any:
        return np.sort(unit @ _unpack(packed, unit.shape[1]).T, axis=1)[:, -k:].mean(axis=1)

    near = nearest(near_cfg["positive"]) - nearest(near_cfg["negative"])
    (om, osd), (nm, nsd) = near_cfg["scale"]["odds"], near_cfg["scale"]["near"]
    return (odds - om) / osd, (near - nm) / nsd
