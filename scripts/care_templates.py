"""Sentence-level examples for the care classifier, generated from the C-SSRS categories.

The lexicon gives phrases ("want to die"); people write sentences. These frames put the
C-SSRS's kinds of ideation and behaviour (wish to be dead, non-specific thoughts, method,
intent, plan, preparatory acts, self-injury) and the care level's acute signs into sentences,
with fillers written for this file. Written on 2026-12-01 after the first run on
eval/care/frozen.jsonl (which has since been a development set) and without copying from
either eval set; eval/care/sealed.jsonl judges what is built from them.
"""

from __future__ import annotations

import itertools
import random

OPENERS = ["", "honestly ", "lately ", "some days ", "i think ", "to be honest ", "tbh ",
           "most nights ", "if i am honest "]
CRISIS_FRAMES = {
    "wish": ["i wish i could {stop}", "i would rather {stop}", "it would be a relief to {stop}",
             "part of me wants to {stop}", "i keep hoping i {stop_past}",
             "i would not mind if i {stop_past}", "i pray that i {stop_past}"],
    "burden": ["{people} would be {better} {without}", "{people} would manage {without}",
               "i am only making life harder for {people}", "{people} deserve better than me",
               "nobody would miss me {without}"],
    "no_future": ["i can not picture myself {future}", "i do not see myself {future}",
                  "i have nothing left to keep going for", "there is no reason for me to stay",
                  "i am done trying to stay alive", "i have no reason to keep going"],
    "plan": ["i have {decided} to end it {when}", "i know how i would do it {when}",
             "i have picked {when} to do it", "i have been reading about how to {method}",
             "i keep planning how to {method}"],
    "prepare": ["i have {prepared}", "i already {prepared}", "i {prepared} so they are ready",
                "i have been {preparing} just in case"],
    "self_harm": ["i {hurt} myself {when_past}", "i {hurt} my {body} {when_past}",
                  "the only thing that helps is when i {hurt} myself"],
}
FILLERS = {
    "stop": ["stop existing", "not wake up tomorrow", "fall asleep and never wake",
             "just be gone", "disappear for good", "not be alive", "stop being here",
             "be dead", "vanish and never come back"],
    "stop_past": ["did not wake up", "was gone", "died in my sleep", "never woke up again",
                  "got hit by something", "just stopped existing"],
    "people": ["my family", "my kids", "everyone", "my friends", "my parents", "my partner"],
    "better": ["better off", "happier", "fine", "relieved"],
    "without": ["without me", "if i was gone", "if i was not here", "once i am gone"],
    "future": ["alive next year", "making it to summer", "being around much longer",
               "getting older", "still here at christmas"],
    "decided": ["decided", "made up my mind", "chosen"],
    "when": ["this week", "tonight", "on sunday", "after the holidays", "soon"],
    "method": ["end my life", "take enough pills", "make it look like an accident",
               "do it without hurting anyone"],
    "prepared": ["written letters for everyone for afterwards", "given away my things",
                 "sorted out who gets my cat", "put my affairs in order for when i am gone",
                 "saved up enough pills", "said my goodbyes"],
    "preparing": ["saving my pills", "writing goodbye letters", "giving my stuff away"],
    "hurt": ["cut", "burned", "hit", "scratched", "hurt"],
    "body": ["arms", "legs", "wrists", "stomach"],
    "when_past": ["again last night", "when it gets too much", "every day this week",
                  "after the argument", "to feel something"],
}
CARE_SENTENCES = [
    "someone is speaking to me through the walls", "the tv is talking about me personally",
    "i can hear people whispering that nobody else hears", "my thoughts are being stolen",
    "they put something in my head to control me", "i am receiving signals meant only for me",
    "i have not slept for days and i have never felt so powerful",
    "my mind is racing and i spent all my money in one night",
    "i only let myself eat a few hundred calories and want to go lower",
    "i throw up whatever i eat so i do not gain weight",
    "i wash until my skin bleeds and still feel dirty",
    "i drank too much and took pills and i am going to drive",
    "i am shaking and seeing things since i stopped drinking",
]


def expand(frame: str, rng: random.Random, n: int) -> list[str]:
    keys = [k for k in FILLERS if "{" + k + "}" in frame]
    combos = list(itertools.product(*(FILLERS[k] for k in keys)))
    rng.shuffle(combos)
    return [rng.choice(OPENERS) + frame.format(**dict(zip(keys, c, strict=True)))
            for c in combos[:n]]


def crisis_sentences(seed: int = 13, per_frame: int = 12) -> list[str]:
    rng = random.Random(seed)
    return sorted({s for frames in CRISIS_FRAMES.values() for f in frames
                   for s in expand(f, rng, per_frame)})


def care_sentences(seed: int = 13) -> list[str]:
    rng = random.Random(seed)
    return sorted({rng.choice(OPENERS) + s for s in CARE_SENTENCES for _ in range(3)})
