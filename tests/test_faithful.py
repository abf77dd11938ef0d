import pytest

from assistant.faithful import MAX_WORDS, problems, restate, restate_after, to_you


@pytest.mark.parametrize(("said", "back"), [
    ("My uncle sold my bike while I was away.", "your uncle sold your bike while you were away"),
    ("It was late and we were both tired.", "it was late and you were both tired"),
    ("i cant sleep and im so tired", "you cant sleep and you're so tired"),
    ("Nobody asked me what I wanted.", "nobody asked you what you wanted"),
    ("been up since 5 with the baby", "you've been up since 5 with the baby"),
    ("idk why but i keep crying", "you don't know why but you keep crying"),
])
def test_their_words_come_back_with_who_did_what_kept(said: str, back: str) -> None:
    assert restate(said) == back


def test_a_long_message_is_restated_by_the_part_that_carries_the_feeling() -> None:
    message = ("We spent the whole summer fixing up the caravan, sanding, painting, new "
               "curtains, the lot, and then my cousin sold it without asking, and I feel so "
               "stupid for caring about a caravan.")
    back = restate(message)
    assert back is not None and back.startswith("you feel so stupid for caring")
    assert len(back.split()) <= MAX_WORDS


@pytest.mark.parametrize(("asked", "back"), [
    ("Should I quit the band?", "you're weighing whether to quit the band"),
    ("How do I talk to my son about money?", "you're looking for a way to talk to your son "
     "about money"),
    ("Do you think I should call her back?", "you're wondering whether you should call her back"),
    ("What do I do about my flatmate's mess?", "you're not sure what to do about your "
     "flatmate's mess"),
    ("what would you do if your friend moved away", "you're wondering what to do if your "
     "friend moved away"),
    ("any tips for sleeping when my mind races", "you're asking for tips for sleeping when "
     "your mind races"),
    ("Tell me how to talk to my neighbour about the hedge.", "you're wondering how to talk to "
     "your neighbour about the hedge"),
    # any other yes-or-no question about themselves, in their own verb (left to the model, it
    # came back as "It sounds like Do you...")
    ("Do I even matter to my family?", "you're wondering whether you even matter to your "
     "family"),
    ("Can I still call myself a runner after the injury?", "you're wondering whether you can "
     "still call yourself a runner after the injury"),
    ("Could we ever go back to how it was?", "you're wondering whether you could ever go back "
     "to how it was"),
    ("Do I text my old boss about the reference, or not?", "you're weighing whether to text "
     "your old boss about the reference"),
])
def test_a_question_about_what_to_do_is_restated_as_what_they_weigh(asked: str,
                                                                    back: str) -> None:
    assert restate(asked) == back


@pytest.mark.parametrize(("said", "theirs"), [
    # written for these tests, in no eval set
    ("My dad has been getting muddled lately. Last night he went out to post a letter, the one "
     "for the council, and stood at the end of the road for an hour until a neighbour asked if "
     "he was lost. He joked about it but I saw his face.", "you stood"),
    ("My sister has been struggling since the move. On Monday she went into the wrong building, "
     "the one next to hers, and sat in a stranger's meeting for ten minutes until someone asked "
     "if she was lost. She laughed but I could tell.", "you sat"),
])
def test_a_clause_that_carries_on_someone_elses_doing_is_not_made_theirs(said: str,
                                                                        theirs: str) -> None:
    """"...he went out to post a letter, and stood at the end of the road": the standing is
    his; said back alone it became "you stood" (listening set 28's first run)."""
    back = restate(said)
    assert back is not None and theirs not in back, back


def test_a_clause_that_leaves_out_their_own_i_is_still_theirs() -> None:
    said = ("The new job is a lot. On Monday I went into the wrong building, the one next to "
            "ours, and sat in a stranger's meeting for ten minutes until someone asked if I was "
            "lost.")
    assert restate(said) == ("you sat in a stranger's meeting for ten minutes until someone "
                             "asked if you were lost")


@pytest.mark.parametrize("asked", ["Can I ask you something?", "Do I bore you?"])
def test_a_question_put_to_the_listener_is_not_said_back_as_theirs(asked: str) -> None:
    assert restate(asked) is None  # "whether you can ask you something"


def test_nothing_to_restate_gives_none() -> None:
    assert restate("") is None and restate("Why?") is None and restate("Hi.") is None


@pytest.mark.parametrize(("added", "kind"), [
    (", and your sister agrees with you.", "adds a sister"),
    (", and you'd like to find a way through it.", "wish"),
    (", and you feel a little down about it.", "smaller"),
    (", and that's completely understandable.", "reassures"),
    (", and you're worried about the impact on your career.", "speculates"),
    (", and he must feel awful too.", "other side"),
    (", and you feel relieved.", "turns it positive"),
    (", and what steps could help.", "steers"),
    (", and you're curious about what it means.", "curiosity"),
    (", and you're wondering how to handle the situation.", "handling"),
    (", and I feel grateful for that.", "speaks of itself"),
    (", and your cousin sold the caravan without asking you first.", "repeats their words"),
])
def test_what_the_model_adds_is_read_for_what_was_not_said(added: str, kind: str) -> None:
    message = "My cousin sold the caravan without asking me first."
    assert kind in problems(added, message)


def test_what_the_person_said_themselves_is_not_a_problem() -> None:
    message = "My sister says I'm a little relieved, and I'd like to know why."
    assert problems(", and your sister sees you as a little relieved.", message) == []
    assert problems(", and it hurts.", "My dad left.") == []
    assert problems(", and your mum thinks so too.", "My parents split up.") == []


def test_an_example_reply_copied_into_a_draft_is_caught() -> None:
    shown = ("you're caught between wanting him close and bracing for the fight.",)
    assert "echoes an example" in problems(
        ", and you're caught between wanting him close and bracing for it.", "I hate my job.",
        examples=shown)


def test_to_you_leaves_the_other_persons_words_alone() -> None:
    assert to_you("she said it was mine") == "she said it was yours"


def test_what_a_clause_waves_away_is_what_is_said_back() -> None:
    """"Anyway, …", "whatever", "it's fine": the understated part before it is what mattered."""
    assert restate("The vet rang about the dog. Anyway, I tidied the shed.") == \
        "the vet rang about the dog"
    assert restate("He didn't turn up to the hearing. Whatever, I'm used to it by now.") == \
        "he didn't turn up to the hearing"
    assert restate("I tidied the shed this morning after the rain.") == \
        "you tidied the shed this morning after the rain"


def test_a_long_message_is_said_back_from_where_it_starts_to_where_it_ends() -> None:
    """Three sentences or more: the part that carries the feeling, after what it is about,
    or the reply says back a side detail ("you're buying balloons") and misses what mattered."""
    message = ("My brother has been out of work since March. He sleeps on our sofa most "
               "nights. Last night he ate the dinner I'd saved for my daughter.")
    assert restate(message) == ("your brother has been out of work since March, and last "
                                "night he ate the dinner you'd saved for your daughter")
    # a first sentence the person is not in, or one that leans on the next, is not the start
    assert restate("The shop shut early. They put a sign up. I stood outside it for an hour.") \
        == "you stood outside it for an hour"
    # two sentences: the part that carries the feeling, with the one before where it leans
    # on it ("he" is the brother)
    assert restate("My brother has been out of work since March. Last night he ate the "
                   "dinner I'd saved.") == ("your brother has been out of work since March, "
                                            "and last night he ate the dinner you'd saved")
    # two plain sentences of nine words or fewer: both said back (set 43 lost a clear biopsy
    # before "we had fish and chips on the beach"); longer, the one that carries it
    assert restate("My brother has been out of work since March. Last night my daughter "
                   "ate the dinner I'd saved.") == ("your brother has been out of work since "
                                                    "March, and last night your daughter ate "
                                                    "the dinner you'd saved")
    assert restate("My brother has been out of work and on our sofa since March. Last night "
                   "my daughter ate the dinner I'd saved.") == \
        "last night your daughter ate the dinner you'd saved"


def test_a_story_is_said_back_where_it_lands_not_where_it_is_set() -> None:
    """A story of three sentences or more lands in its last: the turn or how they took it
    (listening set 38 said back the setting and missed it). Written for this test."""
    message = ("My aunt has been saving for a cruise since she retired and she finally "
               "booked it for May. I helped her choose the cabin and printed the tickets. "
               "Then the company went bust last week.")
    assert restate(message) == ("your aunt has been saving for a cruise since she retired, "
                                "and the company went bust last week")
    message = ("After my hip operation my son moved back in to help. He cooks, he does the "
               "stairs with me, he even walks the dog twice a day. I cried when he went "
               "back to his flat on Sunday.")
    assert restate(message).endswith("and you cried when he went back to his flat on Sunday")
    # where the last sentence speaks of someone the reply would leave unnamed, as before
    message = ("We've run the village fete for twelve years and it rained for most of them. "
               "This year the sun came out and the queue for the tombola went round the "
               "green. He never saw it.")
    assert "he never saw it" not in restate(message)
    # a texted few sentences are not a story: said back as before
    assert restate("Flat's been burgled. They took the telly and my nan's ring. Still got "
                   "the cat.") == "flat's been burgled, and they took the telly and your nan's ring"


def test_a_last_few_words_without_a_verb_qualify_what_came_before() -> None:
    """"passed my theory. third go" was said back "and third go", as if a second thing
    happened (set 39). Written for this test."""
    assert restate("Got the flat. Top floor.") == "you got the flat, top floor"
    assert restate("exam results out. straight As") == "exam results out, straight As"
    # a second thing that happened keeps its "and"
    assert restate("Got the flat. Landlord seems nice.") == \
        "you got the flat, and your landlord seems nice"


def test_two_short_sentences_each_of_its_own_are_both_said_back() -> None:
    """Set 40 said back half of three such messages ("you got the sofa" without the ex getting
    the dog). Written for this test."""
    assert restate("Sister got married. I wasn't invited.") == \
        "your sister got married, and you weren't invited"
    assert restate("Boiler's fixed. Had a bath for an hour.") == \
        "boiler's fixed, and you had a bath for an hour"
    # a count, a pair of words of how it was, a stretch of time: not the person's doing
    assert restate("Kids both passed. first time") == "kids both passed, first time"
    assert restate("Dad built me a bookcase. wonky and wonderful") == \
        "your dad built you a bookcase, wonky and wonderful"
    assert restate("Been a rough week. Van broke down.") == \
        "it's been a rough week, and van broke down"


def test_a_state_and_its_but_fine_are_kept_together() -> None:
    """"cat came home after 9 days. skinny but fine" lost its "but fine" as if waved away
    (set 41). Written for this test."""
    assert restate("Tortoise woke up from hibernation. sleepy but fine") == \
        "tortoise woke up from hibernation, sleepy but fine"
    assert restate("He forgot my birthday again, but fine.") == "he forgot your birthday again"


def test_the_weather_is_not_said_back_as_the_persons_doing() -> None:
    assert restate("snowed all half term. kids built a whole igloo") == \
        "it snowed all half term, and kids built a whole igloo"


@pytest.mark.parametrize(("before", "message", "back"), [
    ("My nephew started at the village school.", "He sits alone at lunch.",
     "your nephew started at the village school, and he sits alone at lunch"),
    ("I baked bread for the first time.", "Nobody at home has tried it yet.",
     "you baked bread for the first time, and nobody at home has tried it yet"),
    ("My cousin lent me her car.", "And now she wants it back tomorrow.",
     "your cousin lent you her car, and now she wants it back tomorrow"),
    ("I met my birth mother in March.", "I still have her number in my phone.",
     "you met your birth mother in March, and you still have her number in your phone"),
    # short, with nothing that points back, or in two sentences: still what it goes on from
    ("I ran my first marathon on Sunday.", "My legs were wobbling the whole way.",
     "you ran your first marathon on Sunday, and your legs were wobbling the whole way"),
    ("My brother moved to Canada in May.", "Took his guitar. The flat is so quiet now.",
     "your brother moved to Canada in May, and the flat is so quiet now"),
])
def test_a_follow_up_that_leans_on_the_turn_before_is_said_back_with_it(
        before: str, message: str, back: str) -> None:
    from assistant.faithful import restate_after
    assert restate_after(message, before) == back


@pytest.mark.parametrize(("before", "message"), [
    ("The trip was fine.", "My aunt's biopsy came back and the news is bad."),  # a new subject
    ("The roses are out at last.", "My uncle is back in hospital."),  # their own people: new
    ("Can I talk something through?", "He never listens."),  # before is a question
    (None, "He never listens."),  # nothing before
    ("I've been tired lately.",  # long enough to stand alone
     "He kept me up until three again last night arguing about money and the car."),
])
def test_a_follow_up_that_stands_alone_is_said_back_alone(before: str | None,
                                                          message: str) -> None:
    from assistant.faithful import restate_after
    assert restate_after(message, before) == restate(message)


@pytest.mark.parametrize(("asked", "back"), [
    ("Do I invite my stepdad to the christening or not?",
     "you're weighing whether to invite your stepdad to the christening"),
    ("What should I write in my gran's birthday card?",
     "you're wondering what to write in your gran's birthday card"),
])
def test_a_question_of_whether_or_what_to_say_is_what_they_weigh(asked: str, back: str) -> None:
    assert restate(asked) == back
    assert restate("Do I look tired to you?") is None  # a question about them, not a choice


@pytest.mark.parametrize(("said", "back"), [
    ("Finished the quilt last night.", "you finished the quilt last night"),
    ("Sold the piano to a neighbour.", "you sold the piano to a neighbour"),
    ("cant sleep again tonight", "you cant sleep again tonight"),
    ("Indeed it was a long day.", "indeed it was a long day"),  # an adverb, not a verb
    ("Knackered after the night shift.", "you're knackered after the night shift"),  # a state
    ("Finally heard back from the council.", "you finally heard back from the council"),
    ("Just finished painting the hallway.", "you just finished painting the hallway"),
])
def test_a_message_texted_without_its_subject_is_said_back_with_one(said: str,
                                                                  back: str) -> None:
    assert restate(said) == back


def test_a_long_clause_is_cut_where_a_clause_ends_never_mid_way() -> None:
    said = restate("Since the move I walk the dog along the canal for two hours every evening "
                   "because it's the only time of day the house stops feeling so empty.")
    # 22 words would end "...because it's the only time of day": cut before "because"
    assert said == "since the move you walk the dog along the canal for two hours every evening"


@pytest.mark.parametrize(("before", "message", "back"), [
    ("The vet rang about the cat's bloods this morning.", "Anyway, the kids are off school.",
     "the vet rang about the cat's bloods this morning, and the kids are off school"),
    ("My sister didn't invite me to the christening.", "Whatever, it is what it is.",
     "your sister didn't invite you to the christening, and it is what it is"),
    # nothing of their own to say back: what they turn from is (the model wrote "you're in a
    # good place" to a question asked right after bad news)
    ("The biopsy came back and it's not what we hoped.", "Anyway, what are you up to?",
     "the biopsy came back and it's not what you hoped"),
])
def test_a_follow_up_that_turns_away_is_said_back_after_what_it_turns_from(
        before: str, message: str, back: str) -> None:
    assert restate_after(message, before) == back


@pytest.mark.parametrize(("said", "back"), [
    ("Weirdly relieved the wedding is off.", "you're weirdly relieved the wedding is off"),
    ("Feeling guilty about skipping the reunion.",
     "you're feeling guilty about skipping the reunion"),
    ("Grateful my neighbour fed the cat all week.",
     "you're grateful your neighbour fed the cat all week"),
    ("Lost my wallet on the bus.", "you lost your wallet on the bus"),  # an act, not a state
])
def test_a_feeling_said_without_im_keeps_who_feels_it(said: str, back: str) -> None:
    assert restate(said) == back


def test_a_sentence_without_a_verb_is_said_back_with_the_one_it_goes_on_from() -> None:
    # said back alone, "for the third time" loses what happened
    assert restate("my car got towed. for the third time.") == \
        "your car got towed, for the third time"
    # two short sentences each of its own: both said back (set 40 said back half of three)
    assert restate("The kettle broke. We bought a new one.") == \
        "the kettle broke, and you bought a new one"
    # two plain sentences a little longer: the news and what came of it (set 43 said back
    # only the fish and chips after a clear biopsy); written 2026-12-07 for this test
    assert restate("The appeal was turned down this morning. We went and sat by the canal.") == \
        "the appeal was turned down this morning, and you went and sat by the canal"
    # but not a second sentence that needs the first ("like when ..."), nor one word
    assert restate("my brother picked me up from the station at midnight. like when we were "
                   "kids") == "your brother picked you up from the station at midnight"
    assert restate("landlord put the rent up by a hundred again. great") == \
        "your landlord put the rent up by a hundred again"


def test_a_question_typed_onto_a_statement_is_not_said_back_as_ours() -> None:
    # "...lol why am I like this" said back reads as the listener mocking them
    assert restate("laughed at my own joke in a silent meeting lol why am i like this") == \
        "you laughed at your own joke in a silent meeting"


@pytest.mark.parametrize("asked", ["What would you do?", "any advice?", "What do I do now?"])
def test_a_bare_question_of_what_to_do_says_back_what_it_asks_about(asked: str) -> None:
    # alone it had been pasted in: "It sounds like What would you do."
    assert restate_after(asked, "My flatmate never pays her share of the bills.") == \
        "your flatmate never pays her share of the bills, and you're wondering what to do"
    assert restate_after(asked, None) is None


@pytest.mark.parametrize(("asked", "back"), [
    ("Is it rude to leave the party before the cake?",
     "you're wondering whether it's rude to leave the party before the cake"),
    ("Am I too old to learn the violin?", "you're wondering whether you're too old to learn "
     "the violin"),
    ("Was I harsh with my nephew yesterday?",
     "you're wondering whether you were harsh with your nephew yesterday"),
])
def test_a_yes_or_no_question_is_said_back_as_what_they_wonder(asked: str, back: str) -> None:
    # set 15 had "It sounds like Is it wrong to skip your school reunion…", the question pasted in
    assert restate(asked) == back


def test_a_state_said_without_im_keeps_who_is_in_it() -> None:
    # set 15 had "It sounds as if weirdly calm about the court date"
    assert restate("Strangely calm about the move on Friday.") == \
        "you're strangely calm about the move on Friday"


def test_people_of_its_own_after_a_turn_that_named_theirs_are_the_same_scene() -> None:
    from assistant.faithful import restate_after

    # set 15 had "your husband just kept eating" without the son who had come out
    assert restate_after("My aunt just changed the subject.", "My cousin told us she's pregnant.") \
        == "your cousin told you she's pregnant, and your aunt just changed the subject"
    assert restate_after("My aunt is in hospital again.", "The roses are out at last.") == \
        restate("My aunt is in hospital again.")


def test_a_texted_message_of_short_sentences_is_said_back_whole() -> None:
    # set 16 had "It seems like suit's too tight" for "Job interview tomorrow. Suit's too tight."
    # (the interview lost), and two-word sentences ("Can't eat.") were never said back
    assert restate("Train cancelled. Missed the recital.") == \
        "train cancelled, and you missed the recital"
    # a longer message still says back what carries it
    assert restate("My brother has been out of work and on our sofa since March. Last night my "
                   "daughter ate the dinner I'd saved.") == (
        "last night your daughter ate the dinner you'd saved")


@pytest.mark.parametrize(("said", "back"), [
    ("Totally buzzing about the new flat.", "you're totally buzzing about the new flat"),
    ("Was it rude to leave before the speeches?",
     "you're wondering whether it was rude to leave before the speeches"),
    ("my cousin forgot my birthday lol it's fine", "your cousin forgot your birthday"),
    ("Nobody came to the book launch, but whatever.", "nobody came to the book launch"),
])
def test_states_was_it_and_a_trailing_shrug_are_said_back_as_meant(said: str, back: str) -> None:
    # set 16: "that still buzzing", "were it silly to cry", "lol its fine" said back as theirs
    assert restate(said) == back


def test_again_on_its_own_goes_with_the_sentence_before() -> None:
    # set 17 had "It seems like car failed its MOT, and again"
    assert restate("Boiler broke down. Again.") == "boiler broke down, again"


@pytest.mark.parametrize(("before", "said", "back"), [
    # "-nt" of a noun is not "n't", and a wedding is not a verb (set 18 had lost the rent due)
    (None, "Rent due Friday. Fridge empty.", "rent due Friday, fridge empty"),
    (None, "Wedding rehearsal. Forgot my lines.", "wedding rehearsal, and you forgot your lines"),
    # where they are the object, someone else did it ("you asked you to be best man")
    ("My sister had her baby.", "Asked me to be godmother!",
     "your sister had her baby, and asked you to be godmother"),
    (None, "Leaving do. Wasn't invited.", "leaving do, and you weren't invited"),
])
def test_texted_sentences_keep_their_verbs_and_their_subjects(before: str | None, said: str,
                                                              back: str) -> None:
    from assistant.faithful import restate_after
    assert restate_after(said, before) == back


def test_a_sentence_that_leans_on_the_one_before_is_said_back_with_it() -> None:
    # set 19: "you took the kettle" to "Partner moved out on Saturday. Took the kettle.", and
    # "you trained all summer for it" with the county squad they were not picked for lost
    assert restate("Partner moved out on Saturday. Took the kettle.") == \
        "your partner moved out on Saturday, and took the kettle"
    assert restate("Didn't get picked for the county squad. Trained all summer for it.") == \
        "you didn't get picked for the county squad, and you trained all summer for it"
    assert restate("My boss rang at nine. Wants me in on Sunday.") == \
        "your boss rang at nine, and wants you in on Sunday"
    # the subject left off is the person's own after a thing, not someone
    assert restate("Interview went badly. Forgot my own CV.") == \
        "interview went badly, and you forgot your own CV"
    # a thought said without its "I" ("think you messed up" read as an instruction)
    assert restate("think i messed up the presentation, went blank on slide 4") == \
        "you think you messed up the presentation, went blank on slide 4"


def test_a_question_with_a_general_you_is_said_back_as_what_they_wonder() -> None:
    # set 19: "It sounds like What do you get someone who has just finished chemo."
    assert restate("What do you get someone who has just finished chemo?") == \
        "you're wondering what to get someone who has just finished chemo"
    assert restate("How do you tell a child their dog has died?") == \
        "you're looking for a way to tell a child their dog has died"


def test_a_clause_that_hangs_on_another_is_not_said_back_alone() -> None:
    # set 20: "As I hear it, though you don't miss the marking at all" for a teacher turned
    # plumber who misses the staffroom
    assert restate("I left teaching to retrain as a plumber. The money is better, my back is "
                   "worse, and I miss the staffroom more than I thought I would, though I don't "
                   "miss the marking at all.") == \
        "you miss the staffroom more than you thought you would"


def test_what_is_said_back_without_a_verb_reads_as_a_fragment() -> None:
    # set 20: "It sounds as if the boiler, the car, and then the cat."
    from assistant.faithful import without_subject
    assert without_subject("the boiler, the car, and then the cat")
    assert not without_subject("the boiler broke, then the car")


def test_their_people_doing_something_keep_the_is() -> None:
    # set 21: "What I hear is that your landlord selling, and two months to find somewhere"
    assert restate("Landlord selling. Two months to find somewhere.") == \
        "your landlord's selling, and two months to find somewhere"
    assert restate("Dad working nights again.") == "your dad's working nights again"
    # kids said bare are not always theirs (set 23: "your kids next door threw eggs")
    assert restate("Kids next door threw eggs at my windows again.").startswith("kids next door")
    assert restate("Sister not speaking to me. Again.") == \
        "your sister's not speaking to you, again"
    assert restate("My son's wedding ring is lost.") == "your son's wedding ring is lost"


def test_a_question_typed_on_after_what_happened_is_said_back_as_what_they_weigh() -> None:
    # set 24: "...on Hinge last night, do I say something?" came back as the listener's
    # statement ("you saw ..., do you say something.")
    assert restate("My neighbour keeps parking across our drive, should I report him?") == (
        "your neighbour keeps parking across your drive, and you're weighing whether to "
        "report him")
    assert restate("The school rang about my son again, what do I do?") == (
        "the school rang about your son again")
    assert restate("Why does nobody call, is it me?") is None


def test_a_clause_where_someone_begins_to_speak_keeps_what_they_said() -> None:
    said = restate("We went to the parents' evening after a long day at work and a late train, "
                   "and at the end his teacher told me, he is the kindest boy in the class.")
    assert said is not None and said.endswith("he is the kindest boy in the class")



# Written for this test, in no listening set.
@pytest.mark.parametrize("message, named", [
    ("I finally booked the flights for the reunion. My dad has been ill all winter. Last night "
     "I rang and he didn't recognise my voice.", "your dad"),
    ("We had the christening on Sunday. My mother-in-law took over the whole day. I smiled "
     "through it, and at the end she thanked everyone but me.", "your mother-in-law"),
    ("Our landlady came round about the damp. I showed her the mould in the bedroom, and she "
     "said it was our fault for drying clothes inside.", "your landlady"),
])
def test_someone_a_clause_does_not_name_is_said_back_with_the_words_that_name_them(
        message: str, named: str) -> None:
    said = restate(message)
    assert said and named in said.lower()


def test_a_pronoun_is_not_joined_to_someone_it_cannot_point_to() -> None:
    said = restate("The kids were at my mum's. The shed roof went in the storm, and when I "
                   "rang the builder he laughed and said he was booked till spring.")
    assert said and "mum" not in said and "kids" not in said


# Written for this test, in no listening set.
def test_what_the_listener_would_say_and_not_knowing_are_said_back_as_theirs() -> None:
    assert restate("What would you say to a flatmate who never cleans the bath?") == (
        "you're wondering what to say to a flatmate who never cleans the bath")
    said = restate("he cancelled on me again but sent flowers so idk how to feel")
    assert said and said.endswith("you don't know how to feel"), said
    said = restate("idk why i'm crying at a car advert")
    assert said and said.startswith("you don't know why"), said


# Written for this test, in no listening set.
@pytest.mark.parametrize(("message", "said"), [
    ("Mum's anniversary on Friday. Would have been forty years.",
     "your mum's anniversary on Friday, would have been forty years"),
    ("My best mate got the flat. Should've been us.",
     "your best mate got the flat, should've been you"),
])
def test_a_clause_without_its_subject_is_said_back_with_what_it_goes_on_from(
        message: str, said: str) -> None:
    assert restate(message) == said


# Written for this test, in no listening set.
def test_laughter_typed_at_the_end_is_not_typed_back() -> None:
    assert restate("the printer ate my boarding pass lol") == "the printer ate your boarding pass"
    said = restate("burnt the pancakes AGAIN haha")
    assert said is not None and not said.lower().endswith("haha")


# Written for these tests, in no listening set.
@pytest.mark.parametrize(("message", "said"), [
    ("finally asked for the weekend off. dad just nodded",
     "you finally asked for the weekend off, and your dad just nodded"),
    ("passed my swimming badge!! the instructor clapped",
     "you passed your swimming badge, and the instructor clapped"),
])
def test_two_texted_sentences_that_begin_with_what_they_did_are_both_said_back(
        message: str, said: str) -> None:
    assert restate(message) == said


def test_words_quoted_after_someone_speaks_are_kept_as_they_said_them() -> None:
    assert to_you("my gran said 'we always knew, pet' and carried on knitting") == (
        "your gran said 'we always knew, pet' and carried on knitting")
    # a quote inside their own sentence is theirs, said back in the second person
    assert to_you("he says I'm 'my own worst enemy'") == "he says you're 'your own worst enemy'"


def test_a_clause_a_word_or_two_over_the_limit_is_not_cut_off_before_its_end() -> None:
    clause = ("you have been practising the piano every evening so you can play at your "
              "sister's wedding in the spring")
    assert restate(clause.replace("you have", "I have").replace("your", "my")) == clause


# Written for these tests (2026-12-07, from set 34's misreadings), in no listening set.
@pytest.mark.parametrize(("message", "said"), [
    # someone named, then what they keep doing, its subject left off
    ("gran joined the choir. keeps singing at breakfast",
     "your gran joined the choir, and keeps singing at breakfast"),
    # "it" pointing at the sentence before, which is long
    ("I have been saving for a year. My sister asked me to lend her the deposit for a flat and "
     "I agreed without thinking. Now it is due on Friday and I keep opening my bank app.",
     "your sister asked you to lend her the deposit for a flat, and now it is due on Friday and "
     "you keep opening your bank app"),
])
def test_a_clause_that_points_back_is_said_back_with_what_it_points_at(message: str,
                                                                      said: str) -> None:
    assert restate(message) == said


def test_a_long_follow_up_that_ends_on_since_is_said_back_with_the_turn_before() -> None:
    assert restate_after("I sat in the front pew of the chapel this morning for the first time "
                         "ever since", "We buried my nan in June.") == (
        "you buried your nan in June, and you sat in the front pew of the chapel this morning "
        "for the first time ever since")
    # it's not "since" they lean on when the message says since when
    assert restate_after("I haven't slept a full night in my own bed since the move in April.",
                         "We buried my nan in June.") == (
        "you haven't slept a full night in your own bed since the move in April")


def test_a_sentence_about_it_that_points_at_nothing_is_said_back_alone() -> None:
    assert restate("The dog needs walking. I'm so behind at work. It's hard to keep up with "
                   "any of it.").startswith("you're so behind at work")


# Written for these tests (2026-12-07, from set 35's misreadings), in no listening set.
@pytest.mark.parametrize(("message", "said"), [
    # someone named, then what they did with its subject left off
    ("brother borrowed the ladder. brought it back bent",
     "your brother borrowed the ladder, and brought it back bent"),
    # ... and not as the person's own doing (set 36: "you never asked")
    ("boss changed my shifts. never warned", "your boss changed your shifts, and never warned"),
    # a sentence that goes on with "also" is said back with the one before
    ("Washing machine flooded. Also the cat's been sick.",
     "washing machine flooded, and also the cat's been sick"),
])
def test_a_texted_second_sentence_that_goes_on_from_the_first_is_said_back_with_it(
        message: str, said: str) -> None:
    assert restate(message) == said


def test_what_the_listener_would_do_in_their_place_is_said_back_as_what_they_weigh() -> None:
    # written for this test (set 36 pasted "It sounds like Would you go ..." in)
    assert restate("Would you move back home if your dad got ill?") == (
        "you're weighing whether to move back home if your dad got ill")
    assert restate("Would you say I'm overreacting?") is None  # asks the listener's view
