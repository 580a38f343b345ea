"""Issues written in markdown, as an editor would paste or upload them into the importer."""

JUNE = """\
# Machine Learning Monthly, June: small models grow up

Hello again! This month was about **compact models** doing more with less, plus a few
papers I kept rereading on the train.

![A stack of tiny robots reading newspapers](images/hero-june.png)

## My work

I spent most of June rewriting my evaluation harness. Two write-ups came out of it.

### [A tiny eval harness that fits in one file](https://example.com/blog/tiny-evals)
Source: My blog

Why I stopped reaching for a framework for evals, and what 300 lines of Python buy you.

![Accuracy of four small models on my held-out set](figures/evals.png)

### Notes from a meetup talk on distillation

I gave a short talk at the local meetup about distilling a 7B model into a 1B one.
Slides are coming soon.

---

## From the internet

Three reads worth your time:

- **[The illustrated guide to KV caching](https://example.org/kv-cache)** — a clear walkthrough,
  with diagrams, of why generation gets faster after the first token.
- **[Transformers](https://en.wikipedia.org/wiki/Transformer_(deep_learning_architecture))**:
  the encyclopedia article had a big rewrite.
- [A field guide to quantisation](https://example.net/quantisation) – int8, int4 and the odd ones.

  Worth bookmarking before your next deployment.

## Papers & research

A mix of new and old this month.

### [BLIP: Bootstrapping Language-Image Pre-training](https://arxiv.org/abs/2201.12086)
Authors: Junnan Li, Dongxu Li, Caiming Xiong, Steven Hoi
Code: https://github.com/salesforce/BLIP
Demo: [Try it in the browser](https://example.com/blip-demo)

It captions noisy web image–text pairs, filters out the bad captions and trains again on
the cleaner set. A simple loop that keeps paying off.

### [Scaling Laws for Neural Language Models](https://arxiv.org/pdf/2001.08361v1.pdf)
Authors: Jared Kaplan, Sam McCandlish, Tom Henighan, Tom B. Brown, et al.

Loss falls as a power law in parameters, data and compute, which is why everyone budgets
training runs the way they do now.

### Attention Is All You Need
arXiv:1706.03762v7

Still the one to start from if a friend asks where transformers came from.

### An old favourite from the string theorists

A classic I reread for fun: [the preprint](https://arxiv.org/abs/hep-th/9901001) is older than
most of the code I run.

## A couple of cool things

- **[A pocket-sized microscope](https://example.com/microscope)** — I built one over a weekend
  and now photograph everything.
- **[Sourdough with a thermometer](https://example.com/bread)**: data-driven baking, finally.
"""

MINIMAL = """\
# A quiet month

Just a summary, no sections yet.
"""
