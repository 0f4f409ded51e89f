#!/usr/bin/env python3
# SPDX-License-Identifier: CC0-1.0
"""Builds resources/demo/instructions.jsonl, the fine-tuning demo's instruction set.

212 short English question/answer records (Alpaca JSONL: {"instruction", "output"}) about TuneBench and about
the world of the demo corpus: the lighthouse and its keeper, the recipes, the village and its fables. We wrote
all of them for TuneBench. Most topics are asked several ways with one consistent answer, so that a tiny
char-level model tuned for a minute learns the topic, not just the sentence: with each topic asked one or two
ways (114 records) the tuned demo model answered 1 of the 11 held-out rewordings, with the fillers and word
orders below 9 or 10 (README.md).

Properties this script asserts:
- every character is one the demo corpus has (corpus.txt), so the demo's char tokenizer spells every record and
  none is skipped;
- every record, rendered with the built-in chat template ("User: Q\\nAssistant: A\\n"), fits the demo model's
  context (demo.yaml's model.block_size), so no example is cut and the model learns where its answer ends;
- questions are unique, and no held-out question is asked in training (nor is one a part of a trained question);
- the records listed in HELD_OUT are exactly the ones fine-tuning holds out for validation with
  finetune_demo.yaml's data.val_fraction (0.05): the script places them where TuneBench's fixed split (heldOutRecords in
  core/data/formats/dataset_checks.cpp, ported below) puts its validation records. The two-step demo test asks
  three of them.

    /usr/bin/python3 resources/demo/make_instructions.py            # writes resources/demo/instructions.jsonl
    /usr/bin/python3 resources/demo/make_instructions.py --check    # fails if instructions.jsonl is out of date
"""

import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE_OVERHEAD = len("User: \nAssistant: \n")

# (question, answer). Trained on.
TRAIN = [
    # TuneBench itself
    ("Who are you?", "I am TuneBench, a small language model that runs on your computer."),
    ("Who are you, friend?", "I am TuneBench, a small language model that runs on your computer."),
    ("And who are you?", "I am TuneBench, a small language model that runs on your computer."),
    ("Tell me who you are.", "I am TuneBench, a small language model that runs on your computer."),
    ("Who is this?", "I am TuneBench, a small language model that runs on your computer."),
    ("What is your name?", "My name is TuneBench."),
    ("What are you?", "I am TuneBench, a small language model that runs on your computer."),
    ("Who am I talking to?", "You are talking to TuneBench, a small language model."),
    ("Are you a person?", "No. I am TuneBench, a small language model."),
    ("Who made you?", "The TuneBench team made me, and you trained me."),
    ("Who trained you?", "You did. You pretrained me on the demo corpus, then tuned me."),
    ("How big are you?", "I am very small: about one million numbers."),
    ("Where do you live?", "I live on your computer. I need no network."),
    ("What did you read first?", "I read the demo corpus: logbooks, recipes, fables and village stories."),
    ("What do you know about?", "I know about the lighthouse, the recipes and the village."),
    ("What can you do?", "I can answer short questions about the lighthouse, the recipes and the village."),
    ("Do you know everything?", "No. I only know the demo corpus and a few questions."),
    ("Can you write a story?", "Yes. Give me the start of a story without the chat template."),
    ("What is TuneBench?", "TuneBench is a workbench to pretrain and tune small GPT models."),
    ("What is pretraining?", "Pretraining teaches a model to guess the next character of a text."),
    ("What is fine-tuning?", "Fine-tuning goes on training a model on new examples, like these answers."),
    ("What is a token?", "A token is one piece of text. For me, a token is one character."),
    ("What is the loss?", "The loss says how wrong the model's guesses are. Lower is better."),
    ("What is the forgetting meter?", "It shows how much of the old corpus a tuned model forgets."),
    ("What is a parent run?", "The parent run is the model that fine-tuning starts from."),
    ("What is the Compare tab for?", "Compare shows two models answering the same prompt side by side."),
    ("What is the Rate tab for?", "In Rate you vote for the better of two answers, without names."),
    ("Why are your answers short?", "I was tuned on short answers, and I stop at the end of a line."),
    ("How do you know when to stop?", "I learnt to end each answer with a new line."),
    ("Can you do sums?", "Not well. I am a small model that read stories, not numbers."),
    ("Are you clever?", "Not very. I am small, but I try."),
    ("Hello.", "Hello. I am TuneBench. Ask me about the lighthouse or the village."),
    ("Good morning.", "Good morning. What would you like to know?"),
    ("Thank you.", "You are welcome."),
    # The lighthouse
    ("How many steps does the lighthouse have?", "The lighthouse has one hundred and twelve steps."),
    ("How many steps go up the tower?", "One hundred and twelve steps go up to the lamp."),
    ("How many stairs does the keeper climb?", "The keeper climbs one hundred and twelve steps."),
    ("Who lives in the lighthouse?", "The keeper lives there, with a fat cat."),
    ("Who keeps the light?", "The keeper keeps the light, and writes in the logbook every day."),
    ("What does the keeper write in?", "The keeper writes in a book with a green cover."),
    ("What does the keeper write about?", "The wind, the sea, the ships and the lamp, every day."),
    ("When does the mail boat come?", "The mail boat comes on Fridays, when the sea allows."),
    ("Which day does the mail boat come?", "The mail boat comes on Fridays."),
    ("When does the boat bring the mail?", "The mail boat comes on Fridays, or on Mondays if the sea is rough."),
    ("What colour is the keeper's door?", "The keeper painted the door blue."),
    ("What colour did the keeper paint the door?", "Blue. The keeper painted the door blue."),
    ("Does the keeper have a cat?", "Yes. The cat is well and fat, and sleeps by the stove."),
    ("Where does the cat sleep?", "The cat sleeps by the stove."),
    ("What did the sea take?", "The waves took the rain barrel out to sea."),
    ("What did the keeper's sister send?", "She sent warm socks."),
    ("What does the keeper ask his sister for?", "More tea, and the newspaper, even if it is old."),
    ("What does the keeper do in the snow?", "He goes up every hour to clean the glass of the lamp."),
    ("What did the keeper hear in the snow?", "A ship's horn, far out to the south."),
    ("What did the old keeper give the new keeper?", "The keys, a box of matches and a book with a green cover."),
    ("What grows in the keeper's garden?", "Beans, peas, cabbages, potatoes and leeks."),
    ("Why does lettuce not grow at the light?", "The snails eat it first."),
    ("What do the snails like best?", "The snails like the beer best."),
    # Recipes
    ("How do you make tea?", "Warm the pot, put in one spoon of tea for each cup, and pour on boiling water."),
    ("How much tea goes in the pot?", "One spoon of tea for each cup, and one more for the pot."),
    ("How long should tea stand?", "Wait five minutes. Do not wait ten."),
    ("Can I use water that boiled before?", "No. Always use fresh cold water for tea."),
    ("What do you need for raisin cake?", "Butter, sugar, three eggs, flour, raisins and honey."),
    ("How long do you bake raisin cake?", "Bake it for fifteen minutes, until a knife comes out clean."),
    ("When is raisin cake good?", "Raisin cake is good on a cold night."),
    ("What goes in bean stew?", "Beans, onions, potatoes, stock, flour, salt and pepper."),
    ("How long does bean stew cook?", "Cook it slowly for thirty minutes, with the lid on."),
    ("Who made bean stew?", "The baker made bean stew, on market day."),
    ("What do you serve with the stew?", "Serve it with a cup of tea."),
    ("What do you serve with raisin cake?", "Serve it with a cup of tea."),
    ("What goes with every recipe?", "A cup of tea."),
    ("How do you make bread?", "Ask the baker. She opens her door before the sun is up."),
    # The village
    ("When is market day?", "Market day is on Thursday."),
    ("When is the market?", "Market day is on Thursday."),
    ("Which day is the market?", "Market day is on Thursday."),
    ("On what day is the market?", "Market day is on Thursday."),
    ("What day is market day?", "Market day is on Thursday. By seven the square is full."),
    ("What happens on Thursday?", "Thursday is market day in the square."),
    ("What does the teacher buy at the market?", "One pear, one small cheese and a bunch of flowers."),
    ("Who sells fish at the market?", "The fish woman, at her table by the well."),
    ("Who argues with the fish woman?", "The cheese man argues with her about the smell."),
    ("When are the tables packed away?", "At noon, when the church bell rings."),
    ("Who opens her door before the sun is up?", "The baker does. The smell of bread goes down the street."),
    ("What bread does the smith buy?", "The smith buys brown bread."),
    ("Does the baker write down the orders?", "No. She would rather find the bread than the paper."),
    ("Who would not cross the new bridge?", "The old miller. He crossed at the ford on the stones."),
    ("Why did the miller not like the new bridge?", "It did not creak. A bridge should talk to you, he said."),
    ("What did the fox steal?", "The fox stole eggs from the hen house."),
    ("What did the farmers hang on the door?", "A bell, so that it would ring when the door moved."),
    ("How did the fox beat the bell?", "He held the bell with his tail while he opened the door."),
    ("What did the fox eat in the end?", "He went home and ate mushrooms."),
    ("Who counted the stars?", "The old owl in the oak tree counted them every night."),
    ("Why did the owl count the stars?", "To know which star is new."),
    ("What did the goat want to be?", "The goat wanted to be a horse."),
    ("What did the farmer give the goat?", "A carrot. It was a very good carrot."),
    ("Who pulled the thorn from the cat's paw?", "The small mouse from under the floor of the mill."),
    ("How did the tortoise stay dry?", "He carried his house with him."),
    ("What did the heron look like?", "A tall heron, as still as a post."),
    ("What is the moral of the owl story?", "The one who looks each night sees what the others miss."),
    ("What is the moral of the goat story?", "Be what you are, and be it well."),
    ("Tell me a story.", "A fox came to the village every night to steal eggs."),
    ("Tell me about the village.", "It has a mill, a bridge, a baker, a smith and a market on Thursday."),
    ("Tell me about the lighthouse.", "It has one hundred and twelve steps, a lamp, a keeper and a fat cat."),
    ("Tell me about yourself.", "I am TuneBench, a small language model that runs on your computer."),    # The same topics asked again in other words: fillers ("please", "tell me", "the", "here", "at night", "then"),
    # another word order, lower case, no question mark. A model this small keys on whatever tells its trained
    # questions apart; asked each topic many ways, it learns that the content words carry the topic.
    ("Please, who are you?", "I am TuneBench, a small language model that runs on your computer."),
    ("who are you", "I am TuneBench, a small language model that runs on your computer."),
    ("Who are you then?", "I am TuneBench, a small language model that runs on your computer."),
    ("So, who are you?", "I am TuneBench, a small language model that runs on your computer."),
    ("Tell me, who are you?", "I am TuneBench, a small language model that runs on your computer."),
    ("Can you tell me who you are?", "I am TuneBench, a small language model that runs on your computer."),
    ("Say who you are, please.", "I am TuneBench, a small language model that runs on your computer."),
    ("Who exactly are you?", "I am TuneBench, a small language model that runs on your computer."),
    ("And you are?", "I am TuneBench, a small language model that runs on your computer."),
    ("What is your name, friend?", "My name is TuneBench."),
    ("Tell me your name, please.", "My name is TuneBench."),
    ("what is your name", "My name is TuneBench."),
    ("Your name, please?", "My name is TuneBench."),
    ("What are you called?", "My name is TuneBench."),
    ("Do you have a name?", "Yes. My name is TuneBench."),
    ("What is TuneBench, please?", "TuneBench is a workbench to pretrain and tune small GPT models."),
    ("Tell me what fine-tuning is.", "Fine-tuning goes on training a model on new examples, like these answers."),
    ("what is pretraining", "Pretraining teaches a model to guess the next character of a text."),
    ("Hello there.", "Hello. I am TuneBench. Ask me about the lighthouse or the village."),
    ("Thanks.", "You are welcome."),
    ("How many steps are in the lighthouse?", "The lighthouse has one hundred and twelve steps."),
    ("How many steps in the lighthouse?", "The lighthouse has one hundred and twelve steps."),
    ("The lighthouse has how many steps?", "The lighthouse has one hundred and twelve steps."),
    ("how many steps does the lighthouse have", "The lighthouse has one hundred and twelve steps."),
    ("How many steps does the tower have, please?", "The tower has one hundred and twelve steps."),
    ("Tell me how many steps the lighthouse has.", "The lighthouse has one hundred and twelve steps."),
    ("Who lives in the lighthouse, please?", "The keeper lives there, with a fat cat."),
    ("Who keeps the light here?", "The keeper keeps the light, and writes in the logbook every day."),
    ("Who keeps the light at night?", "The keeper keeps the light, and writes in the logbook every day."),
    ("When will the mail boat come?", "The mail boat comes on Fridays, when the sea allows."),
    ("when does the mail boat come", "The mail boat comes on Fridays, when the sea allows."),
    ("When does the mail boat come, please?", "The mail boat comes on Fridays, when the sea allows."),
    ("What day does the mail boat come?", "The mail boat comes on Fridays."),
    ("On which day does the mail boat come?", "The mail boat comes on Fridays."),
    ("Tell me when the mail boat comes.", "The mail boat comes on Fridays, when the sea allows."),
    ("When does the mail come?", "The mail boat brings it on Fridays, when the sea allows."),
    ("So when does the mail boat come to the light?", "The mail boat comes on Fridays, when the sea allows."),
    ("What colour is the door?", "The keeper painted the door blue."),
    ("What colour is the lighthouse door?", "The keeper painted the door blue."),
    ("Which colour is the keeper's door?", "The keeper painted the door blue."),
    ("what colour is the keeper's door", "The keeper painted the door blue."),
    ("Tell me the colour of the keeper's door.", "The keeper painted the door blue."),
    ("Where does the fat cat sleep?", "The cat sleeps by the stove."),
    ("Where does the keeper's cat sleep?", "The cat sleeps by the stove."),
    ("Where does the cat sleep, please?", "The cat sleeps by the stove."),
    ("where does the cat sleep", "The cat sleeps by the stove."),
    ("Where does the cat like to sleep?", "The cat sleeps by the stove."),
    ("Tell me where the cat sleeps.", "The cat sleeps by the stove."),
    ("What grows here in the garden?", "Beans, peas, cabbages, potatoes and leeks."),
    ("What grows in the garden, please?", "Beans, peas, cabbages, potatoes and leeks."),
    ("How do you make tea, please?", "Warm the pot, put in one spoon of tea for each cup, and pour on boiling water."),
    ("how do you make tea", "Warm the pot, put in one spoon of tea for each cup, and pour on boiling water."),
    ("How long does tea stand?", "Wait five minutes. Do not wait ten."),
    ("How long must tea stand?", "Wait five minutes. Do not wait ten."),
    ("How long should tea stand, please?", "Wait five minutes. Do not wait ten."),
    ("How many minutes should tea stand?", "Wait five minutes. Do not wait ten."),
    ("how long should tea stand", "Wait five minutes. Do not wait ten."),
    ("Tell me how long tea should stand.", "Wait five minutes. Do not wait ten."),
    ("What goes in bean stew, please?", "Beans, onions, potatoes, stock, flour, salt and pepper."),
    ("what goes in bean stew", "Beans, onions, potatoes, stock, flour, salt and pepper."),
    ("How long do you bake the raisin cake?", "Bake it for fifteen minutes, until a knife comes out clean."),
    ("What do you need for the raisin cake?", "Butter, sugar, three eggs, flour, raisins and honey."),
    ("When is market day, please?", "Market day is on Thursday."),
    ("when is market day", "Market day is on Thursday."),
    ("When is market day here?", "Market day is on Thursday."),
    ("When is the market held?", "Market day is on Thursday."),
    ("Tell me when market day is.", "Market day is on Thursday."),
    ("What day is the market here?", "Market day is on Thursday."),
    ("When is the village market?", "Market day is on Thursday."),
    ("So when is market day?", "Market day is on Thursday."),
    ("Which day is market day?", "Market day is on Thursday."),
    ("Who sells fish here on market day?", "The fish woman, at her table by the well."),
    ("Who sells fish at the market, please?", "The fish woman, at her table by the well."),
    ("What does the teacher buy, please?", "One pear, one small cheese and a bunch of flowers."),
    ("Which bread does the smith buy?", "The smith buys brown bread."),
    ("What kind of bread does the smith buy?", "The smith buys brown bread."),
    ("What bread does the smith buy, please?", "The smith buys brown bread."),
    ("what bread does the smith buy", "The smith buys brown bread."),
    ("What does the smith buy from the baker?", "The smith buys brown bread."),
    ("Tell me what bread the smith buys.", "The smith buys brown bread."),
    ("What did the fox take?", "The fox stole eggs from the hen house."),
    ("What did the fox steal at night?", "The fox stole eggs from the hen house."),
    ("What did the fox steal, please?", "The fox stole eggs from the hen house."),
    ("what did the fox steal", "The fox stole eggs from the hen house."),
    ("What did the fox steal in the village?", "The fox stole eggs from the hen house."),
    ("Tell me what the fox stole.", "The fox stole eggs from the hen house."),
    ("What did the goat wish to be?", "The goat wanted to be a horse."),
    ("What did the goat want?", "The goat wanted to be a horse."),
    ("What did the goat want to be, please?", "The goat wanted to be a horse."),
    ("what did the goat want to be", "The goat wanted to be a horse."),
    ("Tell me what the goat wanted to be.", "The goat wanted to be a horse."),
    ("Who counted the stars at night?", "The old owl in the oak tree counted them every night."),
    ("Who counted the stars, please?", "The old owl in the oak tree counted them every night."),
    ("What did the old miller not like?", "The new bridge. It did not creak."),
    ("Who opens her door here before the sun is up?", "The baker does. The smell of bread goes down the street."),
    ("Who made the bean stew?", "The baker made bean stew, on market day."),
    ("How long does the bean stew cook?", "Cook it slowly for thirty minutes, with the lid on."),
    ("Who lives here in the lighthouse?", "The keeper lives there, with a fat cat."),
]

# (question, answer). Held out for validation by data.val_fraction 0.05; the demo test asks the first three. Each is
# a new phrasing of a trained question with that question's answer: the val loss then measures what a model this
# small can learn in a minute, answering a known topic asked in words it has not seen (a new topic it cannot).
HELD_OUT = [
    ("Who are you, please?", "I am TuneBench, a small language model that runs on your computer."),
    ("When is the market day?", "Market day is on Thursday."),
    ("When does the mail boat come here?", "The mail boat comes on Fridays, when the sea allows."),
    ("What is your name, please?", "My name is TuneBench."),
    ("How many steps has the lighthouse?", "The lighthouse has one hundred and twelve steps."),
    ("How long should the tea stand?", "Wait five minutes. Do not wait ten."),
    ("What did the fox steal from the farm?", "The fox stole eggs from the hen house."),
    ("What bread does the smith like?", "The smith buys brown bread."),
    ("Where does the cat sleep at night?", "The cat sleeps by the stove."),
    ("What colour is the keeper's front door?", "The keeper painted the door blue."),
    ("What did the goat want to be one day?", "The goat wanted to be a horse."),
]


class SplitMix64:
    """core/common/rng.h's SplitMix64 (next, below)."""

    MASK = (1 << 64) - 1

    def __init__(self, seed):
        self.state = seed & self.MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & self.MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.MASK
        return z ^ (z >> 31)

    def below(self, n):
        return (self.next() * n) >> 64


def held_out_records(n, val_count):
    """core/data/formats/dataset_checks.cpp's heldOutRecords: the indices fine-tuning holds out."""
    order = list(range(n))
    rng = SplitMix64(0x5EED5B1170000000 ^ n)
    for i in range(n - 1, 0, -1):
        j = rng.below(i + 1)
        order[i], order[j] = order[j], order[i]
    return set(order[:val_count])


def round_half_away(x):
    return int(x + 0.5)  # std::llround for x >= 0


def block_size():
    with open(os.path.join(HERE, "demo.yaml"), encoding="utf-8") as f:
        m = re.search(r"block_size:\s*(\d+)", f.read())
    if not m:
        sys.exit("demo.yaml has no model block_size")
    return int(m.group(1))


def val_fraction():
    with open(os.path.join(HERE, "finetune_demo.yaml"), encoding="utf-8") as f:
        m = re.search(r"val_fraction:\s*([0-9.]+)", f.read())
    if not m:
        sys.exit("finetune_demo.yaml has no data val_fraction")
    return float(m.group(1))


def build():
    with open(os.path.join(HERE, "corpus.txt"), encoding="utf-8") as f:
        alphabet = set(f.read())
    context = block_size()
    questions = set()
    for q, a in TRAIN + HELD_OUT:
        bad = sorted(set(q + a) - alphabet)
        if bad:
            sys.exit(f"{q!r}: the demo tokenizer cannot spell {bad!r}")
        if len(q) + len(a) + TEMPLATE_OVERHEAD > context:
            sys.exit(f"{q!r}: {len(q) + len(a) + TEMPLATE_OVERHEAD} characters rendered, over the context {context}")
        if q in questions:
            sys.exit(f"{q!r} is asked twice")
        questions.add(q)
    trained = [q.lower() for q, _ in TRAIN]
    for q, _ in HELD_OUT:
        asked = [t for t in trained if q.lower().rstrip("?.") in t]
        if asked:
            sys.exit(f"held-out {q!r} is asked in training: {asked[0]!r}")
    n = len(TRAIN) + len(HELD_OUT)
    fraction = val_fraction()
    if round_half_away(n * fraction) != len(HELD_OUT):
        sys.exit(f"{len(HELD_OUT)} held-out records of {n}, but data.val_fraction {fraction} holds out "
                 f"{round_half_away(n * fraction)}")
    held = held_out_records(n, len(HELD_OUT))
    train, val = iter(TRAIN), iter(HELD_OUT)
    lines = []
    for i in range(n):
        q, a = next(val) if i in held else next(train)
        lines.append(json.dumps({"instruction": q, "output": a}, ensure_ascii=True))
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if instructions.jsonl is out of date")
    args = parser.parse_args()
    text = build()
    path = os.path.join(HERE, "instructions.jsonl")
    if args.check:
        with open(path, encoding="utf-8") as f:
            if f.read() != text:
                sys.exit(f"{path} is out of date: run {os.path.relpath(__file__)}")
        return
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {path}: {text.count(chr(10))} records, {len(HELD_OUT)} held out for validation")


if __name__ == "__main__":
    main()
