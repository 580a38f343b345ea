"""The demo issue, as data: written for this project, loaded by `manage.py seed_demo`.

Paper titles, authors, arXiv ids and repository links are bibliographic facts; every
line of commentary is our own. Images name a drawing in `demo.images`.
"""

LOCAL_ONLY_WARNING = "Demo passwords are for local development only. Never use them on a server."

# username -> (group name or None, is_superuser, password)
DEMO_USERS = {
    "editor": ("Editors", False, "demo-editor-2026"),
    "reviewer": ("Reviewers", False, "demo-reviewer-2026"),
    "publisher": ("Publishers", False, "demo-publisher-2026"),
    "admin": (None, True, "demo-admin-2026"),
}

IMAGES = {
    "hero": {
        "filename": "demo-hero.png",
        "alt_text": (
            "A layered neural network drawn as coloured circles joined by thin lines, "
            "over a dark blue and purple gradient."
        ),
        "caption": "Five layers, a lot of lines, and no idea yet what any of them mean.",
        "credit": "Drawn with Pillow for the demo",
    },
    "loss-curves": {
        "filename": "demo-loss-curves.png",
        "alt_text": (
            "A line chart of two loss curves falling steeply and then flattening out; "
            "the blue training curve ends below the red validation curve."
        ),
        "caption": "Training loss (blue) keeps falling after validation loss (red) has settled.",
    },
    "attention-map": {
        "filename": "demo-attention-map.png",
        "alt_text": (
            "A triangular heat map of attention weights: the diagonal and the first "
            "column are dark blue, most other cells are pale."
        ),
        "caption": "A causal attention pattern: each token looks at itself and at the first one.",
    },
    "diffusion-strip": {
        "filename": "demo-diffusion-strip.png",
        "alt_text": (
            "Five square frames in a row, from pure coloured noise on the left to a clean "
            "blue triangle on an orange circle on the right."
        ),
        "caption": "Reverse diffusion in five steps: noise in, picture out.",
    },
    "low-rank": {
        "filename": "demo-low-rank.png",
        "alt_text": (
            "A large grey grid of squares, a plus sign, then a tall thin red matrix "
            "multiplied by a short wide green matrix."
        ),
        "caption": "A frozen weight matrix plus a trainable product of two thin ones.",
    },
}

ISSUE = {
    "number": 1,
    "title": "Attention, noise and low-rank shortcuts",
    "slug": "attention-noise-and-low-rank-shortcuts",
    "hero_image": "hero",
    "summary": (
        "Welcome to the first issue! This month: a tiny evaluation harness I built, "
        "what I learned from reading training curves, three papers that quietly shape "
        "almost every model you use, and a few **small, delightful tools**."
    ),
}

SECTIONS = [
    {
        "title": "My work",
        "intro": "A couple of things I shipped or wrote up this month.",
        "items": [
            {
                "title": "A tiny evaluation harness in 200 lines",
                "url": "https://example.com/notes/tiny-eval-harness",
                "source": "Example Notes",
                "body": (
                    "I got tired of evaluation scripts that grow a new flag every week, so I "
                    "wrote a harness small enough to read in one sitting. It does three "
                    "things:\n\n"
                    "- loads a list of prompts and expected answers from a JSON Lines file;\n"
                    "- calls any model behind a single `generate(prompt)` function;\n"
                    "- scores the answers and writes a table you can diff between runs.\n\n"
                    "The **most useful part** turned out to be the diff: seeing exactly which "
                    "examples flipped between two checkpoints tells you far more than a "
                    "single accuracy number.\n\n"
                    "```python\n"
                    "for case in cases:\n"
                    "    answer = generate(case.prompt)\n"
                    "    results.append(score(answer, case.expected))\n"
                    "```"
                ),
            },
            {
                "title": "Reading training curves without fooling yourself",
                "url": "https://example.com/notes/reading-loss-curves",
                "source": "Example Notes",
                "image": "loss-curves",
                "body": (
                    "A loss curve is a summary of thousands of decisions, and it is easy to "
                    "read a story into it that is not there. A few habits that helped me:\n\n"
                    "1. Plot validation loss on the same axes as training loss, always.\n"
                    "2. Smooth the curve, but keep the raw points faint in the background.\n"
                    "3. Mark learning-rate changes; half the kinks are schedule, not model.\n\n"
                    "When the two curves drift apart, the model has started **memorising** "
                    "rather than learning. That is the moment to look at more data, not at a "
                    "bigger model."
                ),
            },
            {
                "title": "Fine-tuning a small model on a laptop",
                "url": "https://example.com/notes/laptop-fine-tuning",
                "source": "Example Notes",
                "body": (
                    "Can you adapt a language model to your own writing style without a GPU "
                    "cluster? With a small base model and adapter layers, the answer is a "
                    "cautious yes. The whole run fitted in **8 GB of memory** and finished "
                    "overnight.\n\n"
                    "![Two small matrices multiplied to stand in for one large one]"
                    "(demo:low-rank)\n\n"
                    "The surprise was how little data it needed: a few hundred carefully "
                    "chosen examples beat a few thousand scraped ones. Quality of examples "
                    "matters more than quantity at this scale."
                ),
            },
        ],
    },
    {
        "title": "From the internet",
        "intro": "The best things I read, watched and tried from around the web.",
        "items": [
            {
                "title": "nanoGPT: a GPT you can read end to end",
                "url": "https://github.com/karpathy/nanoGPT",
                "source": "GitHub",
                "body": (
                    "A compact repository for training and fine-tuning medium-sized GPT "
                    "models. Its value is less in the results than in the **clarity**: the "
                    "model and the training loop are each a single file you can read with a "
                    "cup of coffee.\n\n"
                    "If the transformer still feels like a black box, clone it, shrink the "
                    "config until it trains in minutes, and change one thing at a time."
                ),
            },
            {
                "title": "Looking inside attention heads",
                "url": "https://example.org/articles/attention-patterns",
                "source": "Example Org",
                "image": "attention-map",
                "body": (
                    "A gentle walk-through of what attention maps look like in a trained "
                    "model. Some heads attend to the previous token, some to punctuation, "
                    "and a surprising number pile their attention onto the **very first "
                    "token** when they have nothing better to do.\n\n"
                    "A good reminder that a heat map is a starting point for questions, not "
                    "an explanation in itself."
                ),
            },
            {
                "title": "The scikit-learn user guide, still the best ML textbook",
                "url": "https://scikit-learn.org/stable/user_guide.html",
                "source": "scikit-learn",
                "body": (
                    "Every few months I return to the scikit-learn user guide and learn "
                    "something. Each chapter explains the idea, shows the maths where it "
                    "helps and ends with runnable examples.\n\n"
                    "My favourite chapters:\n\n"
                    "- **cross-validation**, for the pitfalls it lists;\n"
                    "- **model evaluation**, for choosing a metric before choosing a model;\n"
                    "- **pipelines**, for keeping preprocessing out of your test set."
                ),
            },
            {
                "title": "PyTorch's guide to reproducibility",
                "url": "https://pytorch.org/docs/stable/notes/randomness.html",
                "source": "PyTorch",
                "body": (
                    "Short and practical: which random number generators to seed, which "
                    "operations are non-deterministic on a GPU, and what it costs to make "
                    "them deterministic.\n\n"
                    "Worth reading before you spend an afternoon chasing a result that "
                    "**only reproduces on Tuesdays**."
                ),
            },
        ],
    },
    {
        "title": "Papers & research",
        "intro": (
            "Three papers worth (re)reading. None of them is new, and that is the point: "
            "they are the foundations under most of this month's news."
        ),
        "items": [
            {
                "title": "arXiv listing for machine learning",
                "url": "https://arxiv.org/list/cs.LG/recent",
                "source": "arXiv",
                "body": (
                    "Where most of these papers first appear. Skimming the titles once a "
                    "week is a cheap way to notice **which ideas keep coming back**."
                ),
            },
        ],
        "papers": [
            {
                "title": "Attention Is All You Need",
                "authors": (
                    "Ashish Vaswani, Noam Shazeer, Niki Parmar, Jakob Uszkoreit, Llion Jones, "
                    "Aidan N. Gomez, Łukasz Kaiser, Illia Polosukhin"
                ),
                "arxiv_id": "1706.03762",
                "paper_url": "https://arxiv.org/abs/1706.03762",
                "code_url": "https://github.com/tensorflow/tensor2tensor",
                "demo_url": "",
                "summary": (
                    "The paper that introduced the **transformer**: drop recurrence, let "
                    "every token look at every other token, and train the whole thing in "
                    "parallel.\n\n"
                    "Why it matters: nearly every large language model, and many vision and "
                    "audio models, are variations on this architecture. Reading the original "
                    "makes it easier to tell which later changes are real ideas and which "
                    "are tuning."
                ),
            },
            {
                "title": "Denoising Diffusion Probabilistic Models",
                "authors": "Jonathan Ho, Ajay Jain, Pieter Abbeel",
                "arxiv_id": "2006.11239",
                "paper_url": "https://arxiv.org/abs/2006.11239",
                "code_url": "https://github.com/hojonathanho/diffusion",
                "demo_url": "",
                "image": "diffusion-strip",
                "summary": (
                    "Teach a network to remove a little noise at a time, then start from "
                    "pure noise and run it backwards until a picture appears.\n\n"
                    "Why it matters: this paper showed that the idea produces **high-quality "
                    "images** with a simple training objective, and it set off the wave of "
                    "diffusion-based image, audio and video generators."
                ),
            },
            {
                "title": "LoRA: Low-Rank Adaptation of Large Language Models",
                "authors": (
                    "Edward J. Hu, Yelong Shen, Phillip Wallis, Zeyuan Allen-Zhu, Yuanzhi Li, "
                    "Shean Wang, Lu Wang, Weizhu Chen"
                ),
                "arxiv_id": "2106.09685",
                "paper_url": "https://arxiv.org/abs/2106.09685",
                "code_url": "https://github.com/microsoft/LoRA",
                "demo_url": "",
                "image": "low-rank",
                "summary": (
                    "Freeze the pretrained weights and learn only a small low-rank update "
                    "for some of the layers.\n\n"
                    "Why it matters: fine-tuning becomes cheap enough to do on one GPU, and "
                    "an adapter is **megabytes instead of gigabytes**, so you can keep one "
                    "per task and swap them at will."
                ),
            },
        ],
    },
    {
        "title": "A couple of cool things",
        "intro": "Not strictly machine learning, but they made my month better.",
        "items": [
            {
                "title": "Pillow can draw more than you think",
                "url": "https://pillow.readthedocs.io/en/stable/reference/ImageDraw.html",
                "source": "Pillow",
                "body": (
                    "Every picture in this issue was drawn with a few lines of Pillow: "
                    "gradients, circles, rectangles and a fixed random seed. No design tool, "
                    "and the same bytes come out every time.\n\n"
                    "See the [ImageDraw reference](https://pillow.readthedocs.io/en/stable/"
                    "reference/ImageDraw.html) for the full toolbox."
                ),
            },
            {
                "title": "Python's statistics module",
                "url": "https://docs.python.org/3/library/statistics.html",
                "source": "Python documentation",
                "body": (
                    "Before reaching for a data-frame library to get a median or a "
                    "percentile, check the standard library: `statistics.quantiles` has you "
                    "covered for **quick sanity checks** on benchmark numbers."
                ),
            },
        ],
    },
]
