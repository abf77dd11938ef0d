"""Reflections that stay with what the person said.

The 1.5B model, left to word a reflection itself, gets the facts wrong a third of the time:
it swaps who did what ("you forgot your birthday" to someone whose father forgot it), turns
"dreading" into "looking forward to", and invents sisters, reasons and wishes. So the facts are
not left to it. `restate` turns the person's own words to the second person in code (the part of
a long message that carries the feeling, or the question they ask), the reply is made to begin
with that, and the model only adds what it means to them. `problems` then reads what the model
added for the ways it still goes wrong, so the turn can draft again or fall back to the
restatement alone.
"""

from __future__ import annotations

import re

from .policy import sentences

# Turned from the person's side to ours. "was" and "am" only after "I": "it was late" stays.
_SUBJECT = [(re.compile(p, re.I), r) for p, r in [
    (r"\bI was\b", "you were"), (r"\bI am\b", "you are"), (r"\bI'?m\b", "you're"),
    (r"\bI'?ve\b", "you've"), (r"\bI'll\b", "you'll"), (r"\bI'd\b", "you'd"),
    (r"\bwas I\b", "were you"), (r"\bam I\b", "are you"), (r"\bwe're\b", "you're"),
    (r"\bwe've\b", "you've"),
]]
_WORD = {"i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself",
         "we": "you", "us": "you", "our": "your", "ours": "yours", "ourselves": "yourselves"}
# Questions that ask what to do, turned into what the person is weighing.
_ASKS = [(re.compile(p, re.I), r) for p, r in [
    (r"^(?:do you think|would you say) (?:i|we) should (.+)$",
     "you're wondering whether you should {}"),
    (r"^should (?:i|we) (.+)$", "you're weighing whether to {}"),
    (r"^(?:how (?:do|can|should|could) (?:i|we|you)) (.+)$", "you're looking for a way to {}"),
    (r"^what (?:do|should|can|could) (?:i|we) do (?:about|with) (.+)$",
     "you're not sure what to do about {}"),
    (r"^what (?:do|should|can|could) (?:i|we) do (when|if) (.+)$",
     "you're not sure what to do {} {}"),
    (r"^what would you do (if|when|about) (.+)$", "you're wondering what to do {} {}"),
    # what the listener would say or write to someone: what to say to them (set 30: pasted in
    # after "It sounds like" when left to the model)
    (r"^what would you (say|write|text|reply|answer) (.+)$", "you're wondering what to {} {}"),
    (r"^what (?:do|should|can|could) (?:i|we|you) (say|tell|write|get|give|bring|wear|ask|text|"
     r"buy|send|cook|make|do for) (.+)$",
     "you're wondering what to {} {}"),
    # a yes-or-no question about themselves or what they did ("Is it wrong to skip it?",
    # "Am I being unfair?"): what they wonder, not the question pasted in as a statement
    (r"^is it (.+)$", "you're wondering whether it's {}"),
    (r"^(?:would|will) it be (.+)$", "you're wondering whether it would be {}"),
    (r"^was it (.+)$", "you're wondering whether it was {}"),
    (r"^am i (.+)$", "you're wondering whether you're {}"),
    (r"^was i (.+)$", "you're wondering whether you were {}"),
    # what the listener would do in their place ("Would you go to a wedding if you'd been left
    # off the hen do?"): what they weigh (set 36 pasted it in after "It sounds like")
    (r"^would you (?!say\b|think\b|mind\b|believe\b|agree\b|like\b|know\b|be\b|ever\b)"
     r"(\w+ .+)$", "you're weighing whether to {}"),
    (r"^do (?:i|we) ((?:go|tell|stay|leave|call|ring|text|quit|move|keep|say|ask|accept|take|"
     r"invite|reply|answer|forgive|break|end|let|give|report|confront|apply|sell) .+?)"
     r"(?:,? or not)?$", "you're weighing whether to {}"),
    # any other yes-or-no question about themselves ("Do I even matter to them?", "Can I still
    # call myself a runner?"): what they wonder, in their own verb; left to the model, it was
    # pasted in as a statement ("It sounds like Do you mention...", set 28). Not one put to
    # the listener ("Can I ask you something?")
    (r"^do (?:i|we) ((?!.*\byou\b).+?)(?:,? or not)?$", "you're wondering whether you {}"),
    (r"^can (?:i|we) ((?!.*\byou\b).+?)(?:,? or not)?$", "you're wondering whether you can {}"),
    (r"^could (?:i|we) ((?!.*\byou\b).+?)(?:,? or not)?$",
     "you're wondering whether you could {}"),
]]
FEELING = re.compile(
    r"\b(feel\w*|felt|hurt\w*|sad|angry|furious|afraid|scared|terrified|alone|lonely|tired|"
    r"exhausted|lost|stuck|worr\w+|anxious|confused|torn|frustrat\w+|overwhelm\w*|miss\w*|grie\w+|"
    r"upset|ashamed|guilty|embarrass\w*|jealous|hate|love|proud|dread\w*|regret\w*|cried|cry\w*|"
    r"sick of|fed up|can'?t|cannot|nothing|nobody|invisible|relie\w+|glad|happy|petty|"
    r"(?:hit|got to) (?:me|us) (?:so |that |this )?hard|don'?t know why)\b", re.I)
_QUESTION_WORD = re.compile(r"^(?:what|how|should|do you|would you|could you|can i|is it|why)\b",
                            re.I)
_REQUEST = re.compile(r"^(?:any |some )?(advice|tips|ideas|help) (on|for|with|about) ([^.?!]+)",
                      re.I)
# "Tell me what to say to my son": a request for an answer, said back as what they wonder.
_TELL_ME = re.compile(r"^(?:please\s+)?(?:tell|show|help)\s+me\s+(what|how|whether|if|where|"
                      r"when|who|which)\b\s*(.+)$", re.I)
_CLAUSE = re.compile(r",\s+|;\s+|\s+(?=but\b)|\s+-+\s+|\s+—\s+")
_LEADING = re.compile(r"^(?:(?:and|but|so|because|well|honestly|like|anyway|whatever|then|tbh|"
                      r"except|idk(?: why)?),?\s+)+", re.I)
_DEPENDENT = re.compile(r"^(?:(?:and|but|so|then),?\s+)*(?:when|if|because|while|as|which|"
                        r"that|who|where|like|though|although|even though|unless|whereas)\b",
                        re.I)  # a clause that needs the one before it
# A clause that waves away what came before it ("Anyway, I made soup", "whatever", "it's
# fine"): what was waved away is what mattered.
_DISMISSING = re.compile(r"^(?:anyway|anyhow|whatever|never ?mind|oh well|that's life|it'?s fine|"
                         r"it'?s not a big (?:deal|thing)|it'?s no big deal|it doesn'?t matter)\b",
                         re.I)
# A clause the person is in ("she's left it all to me"), over one they are not ("the
# neighbours asking questions").
_SELF = re.compile(r"\b(?:i|i'm|im|i've|ive|i'd|i'll|me|my|myself|we|we're|us|our)\b", re.I)
MAX_WORDS = 22
SETTING_WORDS = 14  # what a long message starts from, said before the part restated
LANDS = 1.5  # how much more a story's last sentence weighs (restate)
STORY_WORDS = 25
OVERRUN = 2  # words over a limit kept rather than cut off


# Words quoted after someone speaks ("he said 'we know, love'"): their own words, kept as they
# were said (set 33 turned 'we know' into 'you know'); a quote inside the person's own sentence
# ("because I'm 'too valuable where I am'") is theirs, said back in the second person.
_QUOTED = re.compile(r"(\b(?:said|says|say|asked|asks|goes|went|replied|texted|wrote|writes|"
                     r"shouted|whispered|told (?:me|us|him|her|them)),?:?\s+)"
                     r"((?<!\w)(?:'[^'\n]+?'(?!\w)|\"[^\"\n]+?\"|‘[^’\n]+?’|“[^”\n]+?”))", re.I)


def to_you(text: str) -> str:
    """The person's words as said back to them: "my dad forgot my birthday" to "your dad...";
    what they quote stays as it was said."""
    quoted = [quote for _, quote in _QUOTED.findall(text)]
    text = _QUOTED.sub("\\1\x00", text)
    for pattern, replacement in _SUBJECT:
        text = pattern.sub(replacement, text)
    text = re.sub(r"\b(?:im|ive)\b", lambda m: {"im": "you're", "ive": "you've"}[m.group(0)],
                  text)
    text = re.sub(r"\b[A-Za-z]+\b", lambda m: _WORD.get(m.group(0).lower(), m.group(0)), text)
    text = re.sub(r"\byou wasn'?t\b", "you weren't", text)  # "I wasn't invited"
    for quote in quoted:
        text = text.replace("\x00", quote, 1)
    return text


# How a restatement that has a subject of its own begins ("you're…", "your dad…", "the
# council…", "nobody…"); one that does not ("payday, and already skint", "car failed its MOT")
# is a fragment.
_SUBJECT_START = re.compile(
    r"^(?:you|you're|you've|you'd|you'll|your|it|it's|its|they|they're|they've|he|he's|she|"
    r"she's|we|there|there's|the|a|an|this|that|these|those|nobody|no|none|everyone|"
    r"everybody|everything|someone|somebody|something|nothing|his|her|their|all|some|one|part|"
    r"most|half|both|each|every|another|other|people|what|how|why|when|where|who|which|"
    r"[A-Z]\w*)\b")


# Things named one after another, with no verb ("the boiler, the car, and then the cat").
_LIST_OF_THINGS = re.compile(r"^(?:(?:and |then |and then )?(?:the|a|an|your|his|her|their) "
                             r"[\w'-]+(?: [\w'-]+)?(?:, |,? and |$))+$", re.I)


def without_subject(restated: str) -> bool:
    """Whether what is said back reads as a texted fragment: it begins without a subject of its
    own, or names things one after another without a verb ("the boiler, the car, and then the
    cat" read broken after "It sounds as if")."""
    return not _SUBJECT_START.match(restated) or bool(
        _LIST_OF_THINGS.match(restated) and not _VERBISH.search(restated))


def restate(message: str) -> str | None:
    """What the reply begins with, after its opening: the person's own words in the second
    person, at most MAX_WORDS of them; None when there is nothing to restate."""
    text = " ".join(message.split()).strip()
    if not text:
        return None
    # "so idk how to feel": what they do not know, said back as such (not an aside question
    # cut off, which left "...bought you a kebab so", set 30)
    text = re.sub(r"\bidk\b", "I don't know", text, flags=re.I)
    if not _STATE_BUT_FINE.search(text):  # "skinny but fine": how it is, not waved away
        text = _TRAILING_DISMISSAL.sub("", text) or text
    text = _TRAILING_LAUGH.sub("", text) or text
    if (lead_ask := _LEAD_THEN_ASK.match(text)) and not _QUESTION_WORD.match(text) and (
            said := restate(f"{lead_ask.group(1)}.")):
        # "I saw his profile on Hinge, do I say something?": what happened, and what they
        # weigh; said back whole, the question reads as the listener's statement (set 24)
        question = lead_ask.group(2)
        shaped = next((shape.format(*m.groups()) for pattern, shape in _ASKS
                       if (m := pattern.match(question))), None)
        return _joined(_trim(said, SETTING_WORDS), _trim(to_you(shaped))) if shaped else said
    statements = _joined_fragments(
        [_ASIDE_QUESTION.sub("", s.strip()) for s in sentences(text) if not s.endswith("?")])
    if len(statements) == 1 and _QUESTION_WORD.match(text):  # a question typed without its mark
        statements = []
    if match := _REQUEST.match(text):  # "any advice on ...": a question without its mark
        return _trim(to_you(f"you're asking for {match.group(1).lower()} {match.group(2)} "
                             f"{match.group(3)}"))
    if match := _TELL_ME.match(re.sub(r"[?!.\s]+$", "", text)):
        return _trim(to_you(f"you're wondering {match.group(1).lower()} {match.group(2)}"))
    if not statements:
        question = re.sub(r"[?!.\s]+$", "", text).strip()
        for pattern, shape in _ASKS:
            if match := pattern.match(question):
                return _trim(to_you(shape.format(*match.groups())))
        return None
    if len(statements) == 2 and all(len(s.split()) <= TEXTED_WORDS for s in statements) and (
            not _DISMISSING.match(statements[1])) and (
            joined := _with_the_one_before(statements[0], statements[1].rstrip(".!… "), text)):
        # someone named, then what they did, its subject left off ("sister borrowed my dress.
        # returned it with a burn hole": set 35 said back only the first; "flatmate
        # moved her boyfriend in. never asked": set 36 said back "you never asked")
        return joined
    if 2 <= len(statements) <= 4 and all(len(s.split()) <= TEXTED_WORDS for s in statements) \
            and not any(_DISMISSING.match(s) for s in statements) and (any(
                len(s.split()) < 3 or not _VERBISH.search(s) for s in statements) or (
                len(statements) == 2 and _NO_SUBJECT.match(statements[0])
                and not _pointed_at(statements[0])) or (
                # two short sentences, each of its own: one alone loses the other ("ex got the
                # dog. I got the sofa" was said back "you got the sofa": set 40)
                len(statements) == 2 and not _NO_SUBJECT.match(_LEADING.sub("", statements[0]))
                and all(len(_LEADING.sub("", s).split()) >= 2 for s in statements))):
        # a texted message of short sentences, one without a verb or of two words ("Results
        # day tomorrow. Can't eat."), or two that begin with what they did, the "I" left off
        # ("finally said no to extra shifts. manager went silent"; not "Took his guitar.", his
        # doing): one alone would lose what the other carries (set 33 said back only the
        # second), so all are said back
        parts = [_said_back(s.rstrip(".!… "), text, MAX_WORDS) for s in statements]
        # a last few words without a verb qualify what came before ("passed my theory. third
        # go"), not a second thing that happened ("and third go" read as one: set 39)
        last_said = _LEADING.sub("", statements[-1].strip())
        qualifies = len(parts[-1].split()) <= 4 and (not (
            _VERBISH.search(last_said) or _THEIR_DOING.match(last_said)
            or _SUBJECT_START.match(parts[-1]))  # "landlord seems nice": a second thing
            or bool(_COUNTED.match(last_said))  # "3rd year running", "both of them"
            # "lopsided and perfect": how it was
            or bool(re.fullmatch(r"\w+ and \w+", last_said.rstrip(".!… "))))
        return _trim(", ".join(parts[:-1]) + (", " if qualifies else ", and ") + parts[-1])
    if len(statements) == 2 and all(len(s.split()) <= PAIR_WORDS for s in statements) and (
            sum(len(s.split()) for s in statements) <= MAX_WORDS - 4) and not any(
            _DISMISSING.match(s) or len(_LEADING.sub("", s).split()) < 2 for s in statements
    ) and not _NO_SUBJECT.match(
            _LEADING.sub("", statements[0])) and not _pointed_at(statements[1]) and not (
            _DEPENDENT.match(statements[1])):  # "like when I was 6" needs what it is like
        # two plain sentences, news and what came of it ("The biopsy came back clear. We had
        # fish and chips on the beach." was said back as the fish and chips alone: set 43)
        return _trim(", and ".join(_said_back(s.rstrip(".!… "), text, MAX_WORDS)
                                   for s in statements))
    clauses = [(n, u) for n, s in enumerate(statements) for u in _units(s.rstrip(".!… "))]
    if not clauses:
        return None
    last = len(clauses) - 1

    def weight(i: int) -> float:
        clause = clauses[i][1]
        # (every clause has 3 words or more: _units keeps no shorter one)
        return (2 * bool(FEELING.search(clause)) + i / max(last, 1)
                + bool(_SELF.search(clause)) - 4 * bool(_DEPENDENT.match(clause))
                - 3 * bool(_DISMISSING.match(clause)))

    def lands(i: int) -> float:
        """A story (three sentences or more, not a texted few words) lands in its last
        sentence: the turn ("Then he said he'll probably stay with his mates") or how they took
        it ("I had to go into the garden"); set 38 said back its setting and missed it."""
        return weight(i) + LANDS * (clauses[i][0] == len(statements) - 1)

    first = max(range(len(clauses)), key=weight)
    landed = max(range(len(clauses)), key=lands)
    if landed != first and len(statements) >= 3 and len(text.split()) >= STORY_WORDS and not (
            _pointed_at(said := _said_from(clauses, landed, statements, text))):
        return said  # unless someone it speaks of is left unnamed: then as before
    return _said_from(clauses, first, statements, text)


def _said_from(clauses: list[tuple[int, str]], chosen_at: int, statements: list[str],
               text: str) -> str:
    """The restatement around the clause chosen, with what it needs from before it."""
    where, chosen = clauses[chosen_at]
    said = _said_back(chosen, text, MAX_WORDS)
    # Someone the chosen clause speaks of without naming ("...and I told him it was fine"):
    # said back alone, "him" points at nobody (sets 24-29), so the clause before it that names
    # them goes first.
    if (pointed := _pointed_at(chosen)) and (named := next(
            (c for _, c in reversed(clauses[:chosen_at]) if pointed & _people_named(c)),
            None)) and len(_LEADING.sub("", named).split()) <= SETTING_WORDS:
        return _joined(_said_back(named, text, SETTING_WORDS), said)
    # A long message (three sentences or more) is about more than where it ends: what it
    # starts from goes first ("you've been trying for a baby for two years, and now you're
    # buying balloons..."), or the reply says back a side detail and misses what mattered.
    start = next((c for n, c in clauses if n < where and _SELF.search(c)
                  and not _DEPENDENT.match(c) and not _DISMISSING.match(c)), None)
    if where and _IT_THEN.match(_LEADING.sub("", chosen)) and (
            joined := _with_the_one_before(statements[where - 1], chosen, text)):
        return joined
    if len(statements) >= 3 and start is not None:
        return _joined(_said_back(start, text, SETTING_WORDS), said)
    if where and (joined := _with_the_one_before(statements[where - 1], chosen, text)):
        return joined
    return said


# A person's own people, as they name them ("my mum", "Partner", "our landlord").
_KIN = (r"(?:mum|mom|mother|dad|father|parents?|sister|brother|son|daughter|kids?|children|child|"
        r"family|friends?|mate|partner|husband|wife|hubby|girlfriend|boyfriend|ex|boss|manager|"
        r"aunt|uncle|cousin|nan|gran|grandma|grandad|grandpa|grandmother|grandfather|"
        r"neighbours?|flatmate|colleagues?|teacher|coach|doctor|landlord|landlady)")


# Whom "he", "she" and "they" can point back to: men, women, and people in the plural; the rest
# of the person's own people (a partner, a boss, a friend) can be any of them.
_HE = re.compile(r"\b(?:he|him|his)\b", re.I)
_SHE = re.compile(r"\b(?:she|her|hers)\b", re.I)
_THEY = re.compile(r"\b(?:they|them|their)\b", re.I)
_MEN = (r"(?:dad|father|brother|son|husband|hubby|boyfriend|grandad|grandpa|grandfather|uncle|"
        r"nephew|stepdad|stepson|man|boy|guy|lad)")
_WOMEN = (r"(?:mum|mom|mother|sister|daughter|wife|girlfriend|aunt|nan|gran|grandma|grandmother|"
          r"niece|stepmum|stepdaughter|landlady|woman|girl|lady)")
_MANY = (r"(?:parents|kids|children|family|friends|colleagues|neighbours|siblings|grandchildren|"
         r"grandkids|twins|team|people|everyone|everybody|others|the others|boys|girls)")
_ANY = (r"(?:partner|friend|mate|boss|manager|ex|cousin|flatmate|colleague|teacher|coach|doctor|"
        r"landlord|neighbour|child|baby|kid|person|someone|somebody|lecturer|tutor|nurse|"
        r"consultant|recruiter|client|student)")
_MONTHS_AND_DAYS = re.compile(r"(?:January|February|March|April|May|June|July|August|September|"
                              r"October|November|December|Monday|Tuesday|Wednesday|Thursday|"
                              r"Friday|Saturday|Sunday|Christmas|Easter|English|God)$")


# "Mum", "Dad", "Grandad" written as names: still one of them, not anyone
_KIN_NAME = re.compile(rf"{_MEN}|{_WOMEN}", re.I)


def _people_named(clause: str) -> set[str]:
    """Who a clause names, as the pronouns that can point back to them ("he", "she", "they")."""
    found = set()
    for kind, words in (("he", _MEN), ("she", _WOMEN), ("they", _MANY)):
        if re.search(rf"\b{words}s?\b", clause, re.I):
            found.add(kind)
    if re.search(rf"\b{_ANY}\b", clause, re.I) or any(
            not _MONTHS_AND_DAYS.match(name) and not _KIN_NAME.fullmatch(name)
            for name in re.findall(r"(?<=\w )(?!I\b)[A-Z][a-z]+\b", clause)):
        found |= {"he", "she", "they"}
    return found


def _pointed_at(clause: str) -> set[str]:
    """The pronouns of someone a clause speaks of without naming them."""
    return {kind for kind, pattern in (("he", _HE), ("she", _SHE), ("they", _THEY))
            if pattern.search(clause)} - _people_named(clause)


# Someone other than the person, at the start of a sentence ("Partner moved out on Saturday",
# "my boss rang"): a sentence after it that leaves its subject off goes on about them.
_SOMEONE = re.compile(rf"^(?:my |our |the |his |her |their )?(?:\w+ )?(?:{_KIN}|he|she|they)"
                      r"\b(?!')", re.I)


def _with_the_one_before(before: str, chosen: str, text: str) -> str | None:
    """The chosen sentence said back with the one before it, where alone it would lose what it
    is about: it leaves its subject off after someone else did something ("Partner moved out on
    Saturday. Took the kettle." is not "you took the kettle"), or it points back ("Didn't get
    picked for the county squad. Trained all summer for it.": "for it" alone points at
    nothing)."""
    before = before.rstrip(".!… ")
    own = _LEADING.sub("", chosen)
    if len(_LEADING.sub("", before).split()) < 3:  # "Yeah.", "honestly just tired."
        return None
    if (_NO_SUBJECT.match(own) or _THEIR_DOING.match(own)) and _SOMEONE.match(
            before) and not _NO_SUBJECT.match(before):
        then = to_you(f"{own[0].lower()}{own[1:]}")
        return _joined(_said_back(before, text, SETTING_WORDS), _trim(then))
    if _LEANS.search(own) and len(before.split()) <= LEANING_WORDS and not _DISMISSING.match(
            before) and not _DEPENDENT.match(before):
        return _joined(_said_back(before, text, SETTING_WORDS),
                       _said_back(chosen, text, MAX_WORDS))
    if _IT_THEN.match(own) and not _DISMISSING.match(before) and not _DEPENDENT.match(before):
        # "Now it's on Saturday" after a longer sentence: the "it" is in that sentence (set 34
        # said back "now it's on Saturday" without the birthday at the pub it points at)
        return _joined(_said_back(_units(before)[0] if _units(before) else before, text,
                                  SETTING_WORDS), _said_back(chosen, text, MAX_WORDS))
    return None


# A clause that begins with "it" as what it is about ("Now it's on Saturday", "It was
# cancelled"), not "it's hard to..." or "it's been a week", where nothing is pointed back at.
_IT_THEN = re.compile(r"^(?:(?:and |but |so )?(?:now|then|today|tomorrow|still),? )?"
                      r"it(?:'s| is| was|'ll be| will be) (?!(?:been|hard|so|too|not|just|"
                      r"like|time|a|the|ok|okay|fine|weird|strange|funny|odd|nice|good|"
                      r"great|awful|easy|impossible)\b)", re.I)
# A clause that leaves off its subject after someone else was named: a verb of theirs
# ("mum learned to video call. keeps calling at 6am": set 34 said back "keeps calling" alone).
_THEIR_DOING = re.compile(
    r"^(?:(?:still|just|now|always|never|also) )?(?:keeps|says|wants|thinks|calls|rings|texts|"
    r"asks|tells|refuses|expects|sends|acts|talks|won't|doesn't|hasn't|isn't|has|is|goes|"
    r"comes|leaves|knows|gets|makes|takes|needs|loves|hates|likes|lets|tries|insists|"
    r"pretends|blames|ignores|complains|shouts|cries|laughs|sleeps|works)\b", re.I)


TEXTED_WORDS = 6
PAIR_WORDS = 9  # each of two sentences said back together (restate)
# A count or an order that qualifies what came before ("third go", "both of them").
_COUNTED = re.compile(r"^(?:\d+\w*|first|second|third|fourth|fifth|sixth|tenth|both|all|each|"
                      r"every|twice|once|again)\b", re.I)
# Past forms without "-ed", read as a verb both where a texted sentence is told from one without
# (`_VERBISH`) and where one begins a clause that left its "I" off (`_NO_SUBJECT`).
_PAST_FORMS = ("got|ate|had|went|made|took|came|saw|left|lost|found|felt|spent|sent|told|said|"
               "bought|sold|met|ran|kept|heard|thought|knew|gave|forgot|woke|drove|slept|caught|"
               "broke|fell|sat|stood|wrote|drank|paid|won|threw|brought")
# Nouns that end in -ing, never read as a verb ("wedding", "fitting", "evening", "ceiling").
_ING_NOUNS = r"(?:wedd|fitt|even|morn|meet|build|ceil|sibl|pudd|earr|stuff|cloth)ing"
# Something of a verb: a form of be, have or do, a modal, a contraction, a common verb, -ed, -ing
_VERBISH = re.compile(
    r"\b(?:is|are|was|were|be|been|am|have|has|had|do|does|did|can|could|will|would|should|may|"
    r"might|must|get|go|come|say|make|take|feel|know|think|want|need|see|keep|give|"
    rf"{_PAST_FORMS}|hit|put|cut|let|[a-z]{{2,}}ed|"
    # -ing, but not the nouns that end so (_ING_NOUNS)
    rf"(?!{_ING_NOUNS})[a-z]{{3,}}ing)\b|"
    r"'(?:s|re|m|ve|ll|d)\b|\b(?:ca|do|does|did|wo|is|are|was|were|have|has|had|could|would|"
    r"should|ai)n'?t\b", re.I)
# "…lol it's fine", "…but whatever" at the end: waved away, not part of what happened.
_TRAILING_DISMISSAL = re.compile(
    r"(?:(?:[,.!]\s*|\s+(?:lol|haha|lmao|but|and)\s+)(?:(?:it'?s|its|it is) (?:fine|ok|okay|"
    r"no big deal)|whatever|fine|oh well|we'?ll see)[.!]*)+$", re.I)
_STATE_BUT_FINE = re.compile(r"(?:^|[.!?]\s+)\w+ but (?:fine|ok|okay)\W*$", re.I)
# Laughter typed at the end ("ate lunch in the loo lol"): the person's tone, which a listener does
# not type back at them (sets 31, 32 said back "...after 5 weeks lol").
_TRAILING_LAUGH = re.compile(r"(?:[\s,.!]+(?:lol|lmao|lmfao|rofl|haha\w*|hehe\w*|xd)\b)+[\s.!]*$",
                             re.I)
# A question typed on the end of a statement, without its mark ("been crying at adverts all week
# lol what is wrong with me"): said back as part of the statement it reads as the listener's
# own question, so it is left out of what is said back.
_ASIDE_QUESTION = re.compile(
    r"(?:,|\s+(?:lol|haha|lmao|tbh|honestly|like))\s+(?:what|why|how|who|is it|am i|"
    r"is that|does anyone|do i|should i)\b[^.!?]*$", re.I)
# A statement with a question of what to do typed on after a comma, the message's only sentence.
_LEAD_THEN_ASK = re.compile(
    r"^([^.!?]{12,}?),\s+((?:do|should|shall|can|could|would|must) (?:i|we)\b[^.!?]*|(?:is|was) it "
    r"\b[^.!?]*|am i\b[^.!?]*|what (?:do|should|can|could) (?:i|we)\b[^.!?]*)\?+$", re.I)
# A sentence with no verb of its own that goes on from the one before ("got dumped over text.
# after four years."): said back alone it loses what it was about.
_FRAGMENT = re.compile(r"^(?:after|for|over|since|with|without|in|on|at|by|before|during|"
                       r"like|all|just|only|not even|even|and|or|again|yet again|as usual)\b"
                       r"(?!.*\b(?:i|i'm|im|i've|i'd|he|she|they|we|it's|is|was|were|are|did|"
                       r"does|do|has|had|have)\b)",
                       re.I)


def _joined_fragments(statements: list[str]) -> list[str]:
    """`statements`, each fragment joined to the statement before it."""
    kept: list[str] = []
    for statement in statements:
        if kept and _FRAGMENT.match(statement) and len(statement.split()) <= 6:
            kept[-1] = f"{kept[-1].rstrip('.!… ')}, {statement[0].lower()}{statement[1:]}"
        elif statement:
            kept.append(statement)
    return kept


def _joined(first: str, then: str) -> str:
    """Two parts of what the person said, in one restatement."""
    # a clause with its subject left off goes on from the first as the person said it ("your
    # dad's birthday tomorrow, would've been 70")
    joint = ", " if re.match(r"(?:and|but|so|yet|which|would|could|should|might|must|was|"
                             r"were)\b", then, re.I) or (len(then.split()) <= 4 and _COUNTED.match(
                                 then) and not _VERBISH.search(then)) else ", and "
    return f"{first}{joint}{then}"


# A question of what to do that names nothing of its own: it asks about the turn before.
_BARE_ASK = re.compile(r"^(?:so,? |and |but )?(?:what (?:would|should|do|can|could) (?:you|i|we) "
                       r"do|what now|any (?:advice|ideas|tips|thoughts)|thoughts|ideas|"
                       r"what do you think|what do i do now)\W*$", re.I)
# A short follow-up that leans on the turn before: it begins with someone or something already
# named ("His room is already half empty", "They haven't called since"), ends on it ("My
# parents haven't said anything about it"), or speaks of their things ("I found out from her
# Instagram") without naming anyone of its own.
_LEANS = re.compile(
    r"^(?:and|but|which|because|so|also)\b|"  # a clause that goes on from the one before
    # a modal or a "was" with its subject left off ("Would've been 70.", "Was meant to be us.")
    r"^(?:would|could|should|might|must|will|was|were)(?:'ve|n't| have| not| be)?\b(?! you\b)|"
    r"^(?:(?:now|still|yesterday|today|tonight|this morning|last night),? )?"
    r"(?:he|she|it|they|his|her|its|their|him|them|there)\b|"
    r"\b(?:it|them|him|her|that)(?: yet| since| again| now| anymore| any more)?$|\bsince$", re.I)
_THEIRS = re.compile(r"\b(?:his|her|their) [a-z]+", re.I)
_OWN_PEOPLE = re.compile(rf"\b(?:my|our) (?:\w+ )?{_KIN}\b", re.I)
LEANING_WORDS = 12
# "...for the first time since": since what is in the turn before, however long this one is
# (set 34 said back "the lake on your own for the first time since" without the grandad).
_SINCE_END = re.compile(r"\b(?:ever )?since(?: then)?$", re.I)


def restate_after(message: str, before: str | None) -> str | None:
    """`restate(message)`, after what the person said the turn before when the message leans on
    it: "your son is leaving for university next week, and his room is already half empty"
    says back what they said, where "his room is already half empty" alone loses the son."""
    said = restate(message)
    if not before or before.rstrip().endswith("?"):
        return said
    flat = " ".join(message.split())
    if not said:
        earlier = restate(before)
        if earlier and _DISMISSING.match(flat):  # "Anyway, how are you?" after bad news: what
            return _trim(earlier, SETTING_WORDS)  # they turn from is said back
        # "What would you do?" after what happened: what they ask about, and that they wonder
        if earlier and _BARE_ASK.match(flat):
            return _joined(_trim(earlier, SETTING_WORDS), "you're wondering what to do")
        return None
    bare = re.sub(r"[.!…\s]+$", "", flat)
    bare = re.sub(r"^(?:yeah|yes|yep|no|well|hmm|mm|ok|okay)\W+", "", bare, flags=re.I)
    # "Anyway, the weather has been lovely": turning away from what they just said, which is
    # what mattered, so it is said back first
    turns_away = bool(_DISMISSING.match(bare)) and len(bare.split()) <= LEANING_WORDS
    # A short follow-up is said back with the turn it goes on from ("your hands were shaking
    # the whole time" alone loses the father they stood up to), unless it brings in people of
    # its own without leaning on the turn before: "My son hasn't spoken to me since Easter"
    # after "The garden is finally coming together" is a new subject, said back alone.
    # ("My husband just kept eating" after "My son came out to us at dinner" is the same scene:
    # people of its own after a turn that named theirs too are said back together).
    if not turns_away and (len(bare.split()) > LEANING_WORDS and not _SINCE_END.search(bare)
                           or not (
            _LEANS.search(bare) or _THEIRS.search(bare)) and _OWN_PEOPLE.search(bare)
            and not _OWN_PEOPLE.search(before)):
        return said
    earlier = restate(before)
    if not earlier or earlier.startswith("you're ") and "wonder" in earlier or said in earlier:
        return said
    return _joined(_trim(earlier, SETTING_WORDS), said)


# A state said without "I'm" ("tired of all of it", "so fed up").
_FELT_STATE = re.compile(
    r"^(?:(?:so|really|just|too|a bit|kind of|kinda|pretty|very|quite|feeling|still|always|"
    r"weirdly|strangely|secretly|oddly|totally|completely|utterly|properly|slightly|super) )*"
    r"(?:(?<=\w )lost|tired|bored|scared|worried|stressed|exhausted|excited|buzzing|shattered|"
    r"annoyed|confused|ashamed|embarrassed|overwhelmed|stuck|fed up|done|sick|gutted|"
    r"frustrated|drained|knackered|relieved|terrified|lonely|sad|angry|upset|nervous|glad|"
    r"happy|proud|jealous|envious|grateful|thankful|hopeful|heartbroken|devastated|"
    r"disappointed|furious|homesick|anxious|guilty|numb|restless|calm|ready|lighter|hopeless|"
    r"useless|"
    r"feeling)\b", re.I)
# A clause that begins with its verb, the subject left off as people do in a text message.
_NO_SUBJECT = re.compile(
    r"^(?:(?:finally|just|only|still|already|never|nearly|almost|actually|really|also) )?"
    rf"(?:{_PAST_FORMS}|can'?t|cannot|couldn'?t|didn'?t|don'?t|haven'?t|hadn'?t|wasn'?t|won'?t|"
    r"keep|need|miss|hate|love|wish|think|guess|reckon|hope|wonder|suppose|"
    r"[a-z]{2,}[^e\W]ed|agreed)\b",
    re.I)


# Their own people named without "my", as in a text message ("Partner moved out", "Mum rang"):
# the ones that are someone's own when said bare ("Kids next door threw eggs" are not theirs,
# set 23).
_BARE_KIN = re.compile(r"^(?:mum|mom|dad|partner|husband|wife|hubby|boss|nan|gran|grandma|"
                       r"grandad|grandpa|landlord|landlady|flatmate|sister|brother)\b(?:'s)?"
                       r"(?= \w)", re.I)
# One of them doing something, said without its "is" ("Landlord selling").
_KIN_DOING = re.compile(
    rf"^(your {_KIN}) ((?:not |still |always |never |finally |now )?"
    rf"(?!{_ING_NOUNS})[a-z]{{2,}}ing)\b",
    re.I)


_WEATHER = re.compile(r"^(?:(?:just|still|never|only) )?(?:rained|snowed|poured|hailed|drizzled|"
                      r"thundered|rains|snows|pours|raining|snowing|pouring)\b", re.I)


def _said_back(clause: str, text: str, limit: int) -> str:
    """A clause of `text` in the second person, at most `limit` words."""
    own = _LEADING.sub("", clause)
    clause = to_you(own)
    # "been a long month": the time's, not the person
    clause = re.sub(r"^been (?=(?:a|an) (?:\w+ )?(?:day|week|fortnight|month|year|while|morning|"
                    r"night|evening|time)\b)", "it's been ", clause, flags=re.I)
    clause = re.sub(r"^been\b", "you've been", clause, flags=re.I)  # "been awake since 4"
    if _FELT_STATE.match(clause):  # "tired of all of it": how they are, said without "I'm"
        clause = f"you're {clause[0].lower()}{clause[1:]}"
    elif _WEATHER.match(clause):  # "rained the whole camping trip": the weather's, not theirs
        clause = f"it {clause[0].lower()}{clause[1:]}"
    elif _NO_SUBJECT.match(clause) and not re.search(
            r"\bme\b", re.split(r",|\b(?:and|but|so)\b", own)[0], re.I) and not re.fullmatch(
            r"\w+ and \w+", own.strip()):  # "lopsided and perfect": how a thing was, not a deed
        # "Got the job offer", "cant stop thinking": as texted; not where they are the object
        # ("Asked me to be best man!" was said back as "you asked you")
        clause = f"you {clause[0].lower()}{clause[1:]}"
        clause = re.sub(r"^you wasn'?t\b", "you weren't", clause)  # "Wasn't invited"
        clause = re.sub(r"^you was\b", "you were", clause)
    elif _BARE_KIN.match(clause):  # "Partner moved out", "Mum rang": theirs, texted
        clause = f"your {clause[0].lower()}{clause[1:]}"
    # "Landlord selling", "my sister visiting": said with its "is" ("your landlord's selling"),
    # or it reads as a sentence and is broken (set 21: "What I hear is that your landlord
    # selling")
    clause = _KIN_DOING.sub(r"\1's \2", clause)
    first, _, rest = clause.partition(" ")
    if first != "I" and not re.search(rf"(?<![.!?]\s)(?<!^)\b{re.escape(first)}\b", text):
        clause = f"{first.lower()} {rest}".strip()  # a name (capitalised mid-sentence) stays
    return _trim(clause, limit)


# A clause that ends where someone begins to speak ("her mum said to me afterwards"): what they
# said is in the clause after it, and said back alone it is cut off (set 24).
_SPEAKS = re.compile(r"\b(?:said|says|told (?:me|us)|asked|asks|goes|went|replied|added|"
                     r"whispered|shouted|texted|wrote)(?: to (?:me|us|him|her|them))?"
                     r"(?: afterwards| after| later| then| again| just)?$", re.I)


def _units(statement: str) -> list[str]:
    """A short sentence whole; a long one in its clauses, a clause that ends where someone
    speaks kept with what they said."""
    if len(statement.split()) <= MAX_WORDS:
        return [statement] if len(statement.split()) >= 3 else []
    clauses: list[str] = []
    for clause in _CLAUSE.split(statement):
        if clauses and _SPEAKS.search(clauses[-1]):
            clauses[-1] = f"{clauses[-1]}, {clause}"
        else:
            clauses.append(clause)
    # "...he drove to his old office, and sat in the car park": the clause goes on with his
    # doing, its subject left off; said back alone it would be "you sat in the car park"
    return [c for i, c in enumerate(clauses) if len(c.split()) >= 4 and not (
        _CARRIES_ON.match(c) and _NO_SUBJECT.match(_CARRIES_ON.sub("", c))
        and _someone_else_last(", ".join(clauses[:i])))]


# A clause that carries on from the one before with "and", "then" or "but".
_CARRIES_ON = re.compile(r"^(?:and|then|but|and then)\s+", re.I)
_DOER = re.compile(r"\b(?:i|we|he|she|they)\b", re.I)


def _someone_else_last(before: str) -> bool:
    """Whether the last one doing something before a clause is someone else ("...the one he
    retired from"; "My brother borrowed the car"), not the person ("...and I walked out")."""
    doers = _DOER.findall(before)
    return doers[-1].lower() not in ("i", "we") if doers else bool(_SOMEONE.match(before))


def _trim(clause: str, limit: int = MAX_WORDS) -> str:
    words = clause.rstrip(".,;:!? ").split()
    if len(words) <= limit + OVERRUN:  # a word or two over: cut, it lost its end ("...in
        return " ".join(words)          # their first" for "in their first language", set 33)
    cut = " ".join(words[:limit])
    # where a clause ends: a comma or a joint, else before a clause that hangs on the one
    # before it, which a cut would leave without its end ("...because it's the only")
    for joint in (", ", " and ", " but ", *(f" {w} " for w in _SUBORDINATE)):
        head = cut.rsplit(joint, 1)[0]
        if head != cut and len(head.split()) >= 6:
            return head.rstrip(",")
    kept = cut.split()
    while len(kept) > 6 and kept[-1].lower() in _DANGLING:  # not "...grew up in the"
        kept.pop()
    return " ".join(kept)


# Words that begin a clause hanging on the one before: `_trim` cuts before them.
_SUBORDINATE = ("because", "when", "while", "until", "since", "which", "where", "though",
                "although", "as if", "so that")
# Words a restatement cut short must not end on.
_DANGLING = {"the", "a", "an", "my", "your", "our", "their", "his", "her", "its", "of", "to",
             "in", "on", "at", "for", "with", "from", "by", "about", "and", "but", "or", "that",
             "which", "who", "when", "if", "because", "so", "as", "than", "is", "was", "were",
             "are", "be", "been", "you", "i", "we", "they", "he", "she", "it", "this", "just",
             "really", "very", "way"}


# What the model adds after the restatement goes wrong in these ways, on any message.
PEOPLE = {
    "mother": {"mother", "mum", "mom", "mam", "ma", "mommy", "mummy", "parents", "parent"},
    "father": {"father", "dad", "daddy", "papa", "parents", "parent"},
    "sister": {"sister", "sis", "sibling", "siblings"},
    "brother": {"brother", "bro", "sibling", "siblings"},
    "husband": {"husband", "partner", "spouse"},
    "wife": {"wife", "partner", "spouse"},
    "partner": {"partner", "husband", "wife", "boyfriend", "girlfriend", "spouse", "fiance",
                "fiancée", "fiancé"},
    "boyfriend": {"boyfriend", "partner"}, "girlfriend": {"girlfriend", "partner"},
    "son": {"son", "child", "kid", "kids", "children", "boy", "teenager"},
    "daughter": {"daughter", "child", "kid", "kids", "children", "girl", "teenager"},
    "friend": {"friend", "friends", "mate", "bestie"},
    "boss": {"boss", "manager", "supervisor", "lead"},
    "colleague": {"colleague", "coworker", "co-worker", "colleagues", "team"},
    "therapist": {"therapist", "counsellor", "counselor", "doctor"},
    "grandmother": {"grandmother", "grandma", "gran", "nan", "nana"},
    "grandfather": {"grandfather", "grandpa", "grandad", "granddad"},
}
_ADDED = [(kind, re.compile(pattern, re.I)) for kind, pattern in [
    ("wish", r"\byou(?:'d| would) like\b|\byou want(?:ed)? to (?:know|find|make|be able|learn|"
             r"understand|improve|work)|\byou(?:'re| are) (?:looking for|hoping|seeking|trying to "
             r"find)|\bmake (?:it|things|this) (?:better|work|easier)|\bwhat you can do\b"),
    ("curiosity", r"\bcurious\b|\binterested in (?:why|what|how)\b"),
    ("handling", r"\b(?:how|ways?) to (?:handle|approach|deal with|manage|cope|make|fix|proceed|"
                 r"move on|find|stop|get past|get over|improve|balance|connect)\b"),
    ("smaller", r"\b(?:a (?:bit|little)|slightly|somewhat|kind of|sort of|a tad)\b"),
    ("reassures", r"\b(?:that's|that is|it's|it is) (?:(?:completely|totally|perfectly|very|so|"
                  r"quite) )?(?:okay|ok|alright|normal|natural|"
                  r"understandable|great|good|fine|valid)\b|\bnot alone\b|\bgreat to hear\b|"
                  r"\bcoming from a place\b|\bbig step\b|\bthat's brave\b"),
    ("speculates", r"\bhow (?:it|this|that) (?:will|might|could|would) affect\b|\bthe (?:impact|"
                   r"outcome|consequences)\b|\bthe (?:potential|possible|likely) (?:impact|outcome|"
                   r"consequences)\b|\b(?:in|about) the future\b|\bwhat (?:will|might) "
                   r"happen\b"),
    ("explains", r"\bbecause (?:you|they|he|she|it)\b|\bthe reason\b|\bdue to\b|"
                 r"\bmust (?:be|have)\b|\bprobably\b"),
    ("other side", r"\b(?:he|she|they) (?:must|probably|might) (?:feel|be|have)\b|"
                   r"\bfor (?:him|her|them)\b|\b(?:his|her|their) (?:side|perspective|feelings|"
                   r"point of view)\b"),
    ("steers", r"\b(?:steps|strategies|ways to|what (?:can|could|will|would) you do|"
               r"have you (?:tried|considered|thought about)|how (?:can|could|will|would|might) "
               r"you|what are (?:some|your) (?:things|options|plans|ways)|are you (?:going|"
               r"planning)|move forward|next step|what you're doing to|"
               r"what (?:do|did) you (?:say|do|tell))\b"),
]]
POSITIVE = re.compile(r"\b(?:relie\w+|excit\w+|look(?:ing)? forward|happy|happiness|glad|"
                       r"great|joy\w*|enjoy\w*|grateful|proud|thrilled|delight\w*)\b", re.I)
_WORDS = re.compile(r"[a-zé'-]+")


def problems(added: str, message: str, history: str = "",
             examples: tuple[str, ...] = ()) -> list[str]:
    """What `added` (the model's part of a reflection) says that the person did not, or says
    by copying: their own words again at length, or an example reply's."""
    said = f"{history} {message}".lower()
    heard = set(_WORDS.findall(said))
    found = [kind for kind, pattern in _ADDED if pattern.search(added)
             and not pattern.search(said)]
    words = set(_WORDS.findall(added.lower()))
    for person, names in PEOPLE.items():
        if words & (names | {person}) and not heard & (names | {person}):
            found.append(f"adds a {person}")
    if re.search(r"\bI\b|\bI'", added):  # the person's "I" is "you" by now: this is the model's
        found.append("speaks of itself")
    if POSITIVE.search(added) and not POSITIVE.search(said):
        found.append("turns it positive")
    statement = " ".join(s for s in sentences(added) if not s.endswith("?"))
    if _grams(statement, 6) & _grams(message, 6):
        found.append("repeats their words")
    shown = " | ".join(s for e in examples for s in sentences(e) if not s.endswith("?"))
    if _grams(statement, 4) & _grams(shown, 4):
        found.append("echoes an example")
    return found


def _grams(text: str, n: int) -> set[tuple[str, ...]]:
    words = _WORDS.findall(text.lower())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}
