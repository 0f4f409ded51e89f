#!/usr/bin/env python3
# SPDX-License-Identifier: CC0-1.0
"""Builds resources/demo/corpus.txt, TuneBench's built-in demo corpus.

The corpus is small, plain-ASCII English with a limited vocabulary, so that a tiny char-level GPT trained for a
minute or two on a laptop CPU visibly goes from noise to words and phrases. It mixes the hand-written pieces in
handwritten.txt with sections generated here from templates and word lists (all written for TuneBench):
a lighthouse keeper's logbook, recipes, fables, village stories and a garden almanac.

The output is reproducible: a fixed seed and no dependence on anything but this file and handwritten.txt.

    /usr/bin/python3 resources/demo/make_corpus.py            # writes resources/demo/corpus.txt
    /usr/bin/python3 resources/demo/make_corpus.py --check    # fails if corpus.txt is out of date
"""

import argparse
import os
import random
import sys
import textwrap

SEED = 20241129
WIDTH = 92  # wrap width; every line stays under 100 characters

HERE = os.path.dirname(os.path.abspath(__file__))

NUMBERS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
SEASON_OF = {"January": "winter", "February": "winter", "March": "spring", "April": "spring", "May": "spring",
             "June": "summer", "July": "summer", "August": "summer", "September": "autumn",
             "October": "autumn", "November": "autumn", "December": "winter"}


def cap(s):
    return s[0].upper() + s[1:]


def a_or_an(word):
    return ("an " if word[0] in "aeiou" else "a ") + word


def para(sentences):
    return textwrap.fill(" ".join(sentences), WIDTH)


# --------------------------------------------------------------------------------------------------------------------
# The lighthouse keeper's logbook

DIRECTIONS = ["north", "south", "east", "west", "north east", "north west", "south east", "south west"]
WIND = ["light", "fresh", "strong", "very strong", "gusting hard", "soft and warm", "cold and steady",
        "changing all day"]
SEA = ["flat and grey", "rough, with white tops", "long and slow", "high on the rocks", "quiet as a pond",
       "green and clear", "dark and heavy", "running fast on the ebb"]
SKY = ["Clear sky all day.", "Low cloud all day.", "Rain in the morning, clear by noon.",
       "Rain all day, and cold.", "Bright sun, and a few small clouds.", "Stars bright after dark.",
       "A red sky at sunset.", "Thin mist on the water at dawn.", "Thunder to the south in the evening.",
       "Hail for a short time after lunch."]
TIMES = ["five", "six", "seven", "eight", "nine"]
SHIPS = ["a fishing boat", "the mail boat", "two small sail boats", "a coal ship", "the ferry",
         "three fishing boats", "a large steam ship", "a rowing boat with two men in it", "the pilot boat"]
SHIP_DETAIL = [", heading home", ", low in the water", ", close to the rocks", ", going fast", "",
               ", with her flag up", ", very slowly", ""]
CHORES = ["Cleaned the lens and filled the oil.", "Painted the door of the store room.",
          "Mended the rope on the landing.", "Carried four cans of oil up the stairs.",
          "Swept the stairs, all one hundred and twelve of them.", "Fixed the latch on the window.",
          "Polished the brass in the lamp room.", "Mended my coat by the stove.",
          "Cut wood for the stove.", "Washed the windows of the lamp room, inside and out.",
          "Checked the clock work and wound it.", "Dug the potato bed.",
          "Cleaned the rain barrel.", "Put new glass in the kitchen window."]
ANIMALS_SEEN = ["Seals on the low rocks.", "A heron stood by the pool all morning.",
                "The cat caught a mouse in the store room.", "Gulls very loud at dawn.",
                "A small bird came in at the window and flew out again.", "A fox on the beach at low tide.",
                "Two crows on the roof, arguing.", "Saw a whale far out, blowing.",
                "The cat slept by the stove all day.", "A crab in the rain barrel. I put it back in the sea."]
FOOD = ["bread and soup", "fish and potatoes", "eggs and bread", "porridge", "bean stew",
        "cheese and an apple", "fried fish", "potato soup", "bread and jam", "barley soup"]
PERSONAL = ["Wrote a letter to my sister.", "Read by the stove until late.", "Slept well.",
            "My knee aches in the cold.", "Mended a sock.", "Played cards with the cat. The cat lost.",
            "Sang to keep myself awake.", "Thought about the old keeper.", "Counted the oil cans. Enough for a month.",
            "Could not sleep, so I watched the light go round."]
ENDINGS = ["All well.", "Nothing more to report.", "Light kept until dawn.", "A quiet day.",
           "A long day.", "The lamp burned well all night.", "Bed at dawn."]


def logbook_entry(rng, day):
    s = [f"Day {day}. Wind from the {rng.choice(DIRECTIONS)}, {rng.choice(WIND)}.",
         f"The sea was {rng.choice(SEA)}.", rng.choice(SKY)]
    if rng.random() < 0.3:
        start, end = rng.sample(["nine", "ten", "eleven", "noon", "two", "four"], 2)
        s.append(f"Fog came in at {start} and stayed until {end}.")
    s.append(f"Lit the lamp at {rng.choice(TIMES)}.")
    if rng.random() < 0.5:
        s.append(f"Trimmed the wick {rng.choice(['once', 'twice', 'three times'])}.")
    for _ in range(rng.randint(0, 2)):
        s.append(f"{cap(rng.choice(SHIPS))} passed to the {rng.choice(DIRECTIONS)}{rng.choice(SHIP_DETAIL)}.")
    s.extend(rng.sample(CHORES, rng.randint(1, 2)))
    if rng.random() < 0.6:
        s.append(rng.choice(ANIMALS_SEEN))
    s.append(f"Ate {rng.choice(FOOD)} for supper.")
    if rng.random() < 0.5:
        s.append(rng.choice(PERSONAL))
    s.append(rng.choice(ENDINGS))
    return para(s)


def logbook_section(rng, first_day, count):
    month = MONTHS[min(11, (first_day - 1) * 12 // 365)]
    head = f"FROM THE LOGBOOK OF THE GULL ROCK LIGHT, {month.upper()}"
    entries = [logbook_entry(rng, first_day + i) for i in range(count)]
    return head + "\n\n" + "\n\n".join(entries)


# --------------------------------------------------------------------------------------------------------------------
# Recipes

# (dish, ingredients, steps, cook minutes); {x} is the main ingredient.
RECIPE_KINDS = {
    "soup": (["two cups of {x}", "one onion", "two carrots", "a knob of butter", "four cups of water",
              "a pinch of salt"],
             ["First, wash the {x} and cut it small.", "Then cut the onion and the carrots.",
              "Melt the butter in a large pot and cook the onion until it is soft.",
              "Add the {x}, the carrots and the water.", "Bring it to the boil, then turn the fire down.",
              "Cook it slowly for {m} minutes.", "Add the salt at the end, and taste it."]),
    "stew": (["one pound of {x}", "two onions", "three potatoes", "a cup of stock", "a spoon of flour",
              "salt and pepper"],
             ["Cut the {x} and the potatoes into pieces.", "Fry the onions in a little fat until they are brown.",
              "Stir in the flour, then the stock, a little at a time.", "Add the {x} and the potatoes.",
              "Put the lid on and cook it slowly for {m} minutes.", "Season it with salt and pepper."]),
    "pie": (["two cups of flour", "half a cup of butter", "a little cold water", "three cups of {x}",
             "a spoon of sugar", "one egg"],
            ["Rub the butter into the flour until it looks like sand.",
             "Add the cold water and press it into a dough.", "Let the dough rest in a cool place.",
             "Roll out half the dough and line a dish with it.", "Fill the dish with the {x} and the sugar.",
             "Cover it with the rest of the dough and brush it with the egg.",
             "Bake it in a hot oven for {m} minutes, until it is golden."]),
    "cake": (["one cup of butter", "one cup of sugar", "three eggs", "two cups of flour", "a cup of {x}",
              "a spoon of honey"],
             ["Beat the butter and the sugar until they are light.", "Beat in the eggs, one at a time.",
              "Fold in the flour, then the {x} and the honey.", "Pour it into a buttered tin.",
              "Bake it for {m} minutes, until a knife comes out clean.", "Let it cool before you cut it."]),
    "porridge": (["one cup of oats", "two cups of milk", "a cup of {x}", "a pinch of salt", "honey to taste"],
                 ["Put the oats, the milk and the salt in a small pot.", "Bring it slowly to the boil.",
                  "Stir it all the time, so that it does not stick.", "Add the {x} and cook it for {m} minutes more.",
                  "Serve it hot, with honey on top."]),
}
# (name in the title, name in the ingredients)
MAIN = {
    "soup": [("barley", "barley"), ("leek", "leeks"), ("pumpkin", "pumpkin"), ("lentil", "lentils"),
             ("cabbage", "cabbage"), ("pea", "peas"), ("mushroom", "mushrooms"), ("bean", "beans"),
             ("fish", "fish")],
    "stew": [("beef", "beef"), ("lamb", "lamb"), ("fish", "fish"), ("bean", "beans"), ("mushroom", "mushrooms"),
             ("chicken", "chicken")],
    "pie": [("apple", "apples"), ("plum", "plums"), ("pear", "pears"), ("berry", "berries"),
            ("rhubarb", "rhubarb"), ("cherry", "cherries")],
    "cake": [("apple", "apples"), ("raisin", "raisins"), ("nut", "nuts"), ("carrot", "carrots"),
             ("plum", "plums"), ("honey", "honey")],
    "porridge": [("apple", "apples"), ("raisin", "raisins"), ("berry", "berries"), ("pear", "pears"),
                 ("nut", "nuts")],
}
WHO = ["my grandmother", "the baker", "my mother", "the old keeper", "the fish woman", "my aunt", "the teacher",
       "the miller's wife", "my father"]
WHEN = ["on a cold night", "after a long day", "on Sundays", "when the sea is rough", "in the autumn",
        "for a birthday", "on market day", "when friends come to visit", "in the winter"]
SERVE = ["Serve it hot with bread.", "Serve it with a cup of tea.", "It keeps well for three days.",
         "It is even better the next day.", "Serve it warm with cream.", "Eat it while it is hot."]


def recipe(rng):
    kind = rng.choice(list(RECIPE_KINDS))
    name, x = rng.choice(MAIN[kind])
    ingredients, steps = RECIPE_KINDS[kind]
    minutes = rng.choice(["ten", "fifteen", "twenty", "thirty", "forty", "fifty"])
    title = f"{name.upper()} {kind.upper()}"
    intro = [f"This is how {rng.choice(WHO)} made {name} {kind}.", f"It is good {rng.choice(WHEN)}."]
    lines = [title, "", para(intro), "", "You will need:"]
    lines += ["- " + item.format(x=x) for item in ingredients]
    lines += ["", para([st.format(x=x, m=minutes) for st in steps] + [rng.choice(SERVE)])]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------------------------
# Fables: a few plots, many animals

ANIMALS = ["fox", "hare", "owl", "goat", "mouse", "crow", "badger", "heron", "frog", "bear", "wolf", "duck",
           "hen", "cat", "dog", "sparrow", "tortoise", "squirrel", "deer", "pig"]
ADJ = ["young", "old", "small", "proud", "clever", "lazy", "busy", "kind", "hungry", "foolish"]
HOMES = ["in a hole under the old oak", "by the river", "at the edge of the wood", "behind the mill",
         "in the hills above the village", "near the farm", "in a hollow tree", "by the pond"]
# (skill, boast, past tense, animals that would boast of it)
SKILLS = [("running", "I run the fastest", "ran", ["hare", "deer", "fox", "dog", "wolf"]),
          ("singing", "I sing the loudest", "sang", ["crow", "sparrow", "frog", "duck", "hen"]),
          ("jumping", "I jump the highest", "jumped", ["hare", "frog", "goat", "squirrel", "deer"]),
          ("swimming", "I swim the farthest", "swam", ["duck", "frog", "heron", "dog"]),
          ("climbing", "I climb the highest", "climbed", ["squirrel", "cat", "goat", "bear"])]
SMALL = ["mouse", "sparrow", "frog", "hare", "squirrel", "duck", "hen", "crow", "tortoise"]
BIG = ["bear", "wolf", "deer", "goat", "badger", "pig", "dog", "fox", "heron", "owl"]
QUICK = ["hare", "deer", "dog", "squirrel", "fox", "sparrow", "cat"]
SLOW = ["tortoise", "duck", "pig", "badger", "goat", "hen", "frog"]
FOODS = ["nuts", "apples", "corn", "berries", "seeds", "carrots", "cheese", "honey"]
MORALS = {
    "pride": ["Pride goes before a fall.", "The one who boasts the most has the most to lose.",
              "Do not tell the world what you can do. Show it, or be quiet."],
    "share": ["What is shared is never wasted.", "A full store is no use to a lonely heart.",
              "Share what you have, and you will never be poor."],
    "slow": ["Slow and steady wins the day.", "The quick are not always the first.",
             "Keep going, and you will get there."],
    "help": ["No one is too small to help.", "A friend in need is a friend indeed.",
             "Help others, and one day they will help you."],
}


def fable(rng):
    plot = rng.choice(list(MORALS))
    if plot == "pride":
        skill, boast, did, boasters = rng.choice(SKILLS)
        a = rng.choice(boasters)
    elif plot == "slow":
        a = rng.choice(QUICK)
    elif plot == "help":
        a = rng.choice(SMALL)
    else:
        a = rng.choice(ANIMALS)
    b = rng.choice([x for x in (BIG if plot == "help" else SLOW if plot == "slow" else ANIMALS) if x != a])
    adj = rng.choice(ADJ)
    s = [f"Once there was {a_or_an(adj)} {a} who lived {rng.choice(HOMES)}."]
    if plot == "pride":
        s += [f"The {a} was very good at {skill}, and told everyone so.",
              f"\"{boast} in the whole wood,\" said the {a}. \"No one is better than me.\"",
              f"One day {a_or_an(b)} said, \"Then show us.\"",
              f"So the {a} {did} in front of all the animals. But the {a} was looking at them, and not at "
              f"the way ahead, and fell into the mud.",
              f"The animals laughed, and the {b} said nothing at all."]
    elif plot == "share":
        food = rng.choice(FOODS)
        s += [f"One autumn the {a} found a great pile of {food}.",
              f"The {a} hid the {food} in a secret place and told no one.",
              f"{cap(a_or_an(b))} came by and said, \"I am very hungry. Do you have anything to eat?\"",
              f"\"Nothing at all,\" said the {a}.",
              f"All winter the {a} sat alone with the {food}, but the {food} went bad in the damp, and the "
              f"{a} grew thin.",
              f"In the spring the {b} came back with a basket and said, \"I have a little. Let us eat it "
              f"together.\"", f"The {a} was ashamed, and said thank you."]
    elif plot == "slow":
        place = rng.choice(["the river", "the old mill", "the top of the hill", "the far field", "the village"])
        s += [f"One morning the {a} and {a_or_an(b)} set out for {place}.",
              f"The {a} was quick and ran ahead. \"I will wait for you there,\" said the {a}, \"if I am not "
              f"asleep.\"", f"The {b} was slow, but the {b} did not stop.",
              f"On the way the {a} found a sunny place and lay down for a short rest, and slept until "
              f"evening.", f"When the {a} woke up and ran to {place}, the {b} was already there, "
              f"eating supper."]
    else:
        danger = rng.choice(["a net", "a trap", "a deep hole", "a thorn bush", "the ice on the pond"])
        s += [f"One day a big {b} was caught in {danger} and could not get out.",
              f"The {b} called for help, but the big animals were afraid and went away.",
              f"Only the {a} came. \"You are too small to help me,\" said the {b}.",
              f"\"Let me try,\" said the {a}, and worked all night until the {b} was free.",
              f"After that the {b} and the {a} were friends, and the {b} looked after the {a} for "
              f"the rest of its life."]
    title = f"THE {a.upper()} AND THE {b.upper()}"
    moral = rng.choice(MORALS[plot])
    return title + "\n\n" + para(s) + "\n\n" + para(["So it is said: " + moral[0].lower() + moral[1:]])


# --------------------------------------------------------------------------------------------------------------------
# Village stories

PEOPLE = [("the baker", "she"), ("the smith", "he"), ("old Tom the miller", "he"), ("Anna the weaver", "she"),
          ("the teacher", "she"), ("Jon the fisher", "he"), ("the farmer's boy", "he"), ("little Mira", "she"),
          ("the priest", "he"), ("the widow by the well", "she"), ("the shoemaker", "he"),
          ("the keeper's sister", "she")]
PLACES = [("the market", "buy eggs"), ("the mill", "fetch flour"), ("the harbour", "look at the boats"),
          ("the well", "draw water"), ("the church", "ring the bell"), ("the school", "take a book back"),
          ("the farm", "buy milk"), ("the beach", "look for wood"), ("the bridge", "watch the river")]
WEATHER_V = ["It was a bright morning.", "It was a grey and windy day.", "It had rained all night.",
             "The sun was warm for once.", "There was frost on the road.", "A cold wind came off the sea."]
TOPICS = ["the price of flour", "the new bridge", "the weather", "the fish", "the harvest", "the storm last week",
          "the lost goat", "the children", "the mail boat", "the winter to come"]
SAYINGS = [("Good morning,", "Good morning to you,"), ("Fine day,", "Fine day, but it will rain,"),
           ("How are you?", "Well enough, thank you,"), ("Where are you going?", "Not far, not far,"),
           ("Did you hear the news?", "I hear everything, sooner or later,"),
           ("Cold today,", "Colder tomorrow,")]
ENDS_V = ["Then {p} went home, and the day went on as days do.",
          "When {p} got home, the kettle was on and the bread was warm.",
          "{P} was late for supper, but nobody minded.",
          "That night {p} slept very well.",
          "On the way home it began to rain, and {p} ran the last part of the road.",
          "And that was all that happened, but it was a good day."]


def village_story(rng):
    (who, p), (who2, _) = rng.sample(PEOPLE, 2)
    place, task = rng.choice(PLACES)
    hello, reply = rng.choice(SAYINGS)
    day = rng.choice(DAYS)
    topic, topic2 = rng.sample(TOPICS, 2)
    s = [f"On {day}, {who} went to {place} to {task}.", rng.choice(WEATHER_V),
         f"On the way {p} met {who2}.", f"\"{hello}\" said {who}.", f"\"{reply}\" said {who2}.",
         f"They talked for a while about {topic}, and then about {topic2}."]
    if rng.random() < 0.5:
        n = rng.choice(NUMBERS[1:8])
        thing = rng.choice(["eggs", "apples", "fish", "loaves", "candles", "buttons", "nails", "pears"])
        s.append(f"At {place} {p} bought {n} {thing} and put them in a basket.")
    if rng.random() < 0.4:
        s.append(f"A dog followed {'her' if p == 'she' else 'him'} all the way, hoping for something to eat.")
    end = rng.choice(ENDS_V).replace("{P}", cap(p)).replace("{p}", p)
    s.append(end)
    title = f"{cap(who).upper()} GOES TO {place.upper()}"
    return title + "\n\n" + para(s)


# --------------------------------------------------------------------------------------------------------------------
# Garden almanac

CROPS = [("peas", "in rows, a hand apart"), ("beans", "by a fence they can climb"), ("potatoes", "in deep soil"),
         ("onions", "in a sunny bed"), ("carrots", "in light, sandy soil"), ("cabbages", "far apart"),
         ("leeks", "in a deep trench"), ("lettuce", "in the shade of the wall"),
         ("turnips", "where the peas grew last year"), ("beets", "in rich soil")]
GARDEN_TASKS = ["dig in the weed from the beach", "mend the garden wall", "cut back the old leaves",
                "cover the young plants at night", "pull the weeds after rain", "pick the last of the beans",
                "dig the empty beds", "save seeds for next year", "water in the evening, not at noon",
                "keep the snails away"]


def almanac(rng):
    month = rng.choice(MONTHS)
    season = SEASON_OF[month]
    (c1, how1), (c2, how2) = rng.sample(CROPS, 2)
    t1, t2 = rng.sample(GARDEN_TASKS, 2)
    mood = {"spring": ["busy", "wet", "green"], "summer": ["full", "green", "dry", "busy"],
            "autumn": ["wet", "quiet", "brown"], "winter": ["quiet", "cold", "bare"]}[season]
    s = [f"In {month} the garden is {rng.choice(mood)}.",
         f"This is a good time to plant {c1} {how1}, and {c2} {how2}."
         if season in ("spring", "summer") else f"It is too late to plant {c1}, but you can plan where they will go.",
         f"Remember to {t1}, and to {t2}.",
         f"If the {season} is dry, water the {c1} every {rng.choice(['day', 'second day', 'evening'])}."
         if season in ("spring", "summer") else
         rng.choice(["Cover the beds with straw before the frost.", "Mend your tools by the fire.",
                     "Spread ash and weed on the empty beds."]),
         rng.choice(["A little work each day is better than a lot of work once a week.",
                     "The garden does not hurry, and neither should you.",
                     "What you plant now, you will eat in the winter.",
                     "Keep a note of what grew well, and what did not."])]
    return f"THE GARDEN IN {month.upper()}" + "\n\n" + para(s)


# --------------------------------------------------------------------------------------------------------------------

def handwritten_pieces():
    with open(os.path.join(HERE, "handwritten.txt"), "r", encoding="ascii") as f:
        text = f.read().strip()
    # Pieces are separated by a blank line before an all-caps title line.
    pieces, current = [], []
    for block in text.split("\n\n"):
        if block.isupper() and "\n" not in block and current:
            pieces.append("\n\n".join(current))
            current = []
        current.append(block)
    pieces.append("\n\n".join(current))
    return pieces


def build():
    rng = random.Random(SEED)
    sections = []
    day = 1
    for _ in range(30):
        n = rng.randint(2, 4)
        sections.append(logbook_section(rng, day, n))
        day += n + rng.randint(0, 20)
    sections += [recipe(rng) for _ in range(45)]
    sections += [fable(rng) for _ in range(60)]
    sections += [village_story(rng) for _ in range(70)]
    sections += [almanac(rng) for _ in range(30)]
    rng.shuffle(sections)
    # Spread the hand-written pieces evenly so that both the train and the val split (the last 10%) have them.
    hand = handwritten_pieces()
    step = len(sections) // len(hand)
    for i, piece in enumerate(hand):
        sections.insert(i * (step + 1) + step // 2, piece)
    text = "\n\n\n".join(sections) + "\n"
    assert text.isascii(), "the demo corpus must be plain ASCII"
    assert max(len(line) for line in text.splitlines()) < 100, "lines must stay under 100 characters"
    return text


def main():
    ap = argparse.ArgumentParser(description="Build the TuneBench demo corpus.")
    ap.add_argument("--out", default=os.path.join(HERE, "corpus.txt"))
    ap.add_argument("--check", action="store_true", help="exit 1 if --out differs from what would be built")
    args = ap.parse_args()
    text = build()
    if args.check:
        with open(args.out, "r", encoding="ascii") as f:
            same = f.read() == text
        print("corpus.txt is up to date" if same else "corpus.txt is out of date; rerun make_corpus.py")
        return 0 if same else 1
    with open(args.out, "w", encoding="ascii", newline="\n") as f:
        f.write(text)
    print(f"wrote {args.out}: {len(text):,} bytes, {len(text.splitlines()):,} lines, "
          f"{len(set(text))} distinct characters, {len(set(text.split())):,} distinct words")
    return 0


if __name__ == "__main__":
    sys.exit(main())
