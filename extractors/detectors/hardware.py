"""hardware: the GPU/TPU/CPU model the paper's experiments ran on."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from extractors.detectors import common
from extractors.document import TextUnit
from extractors.findings import Finding
from extractors.quantities import GPU_MODELS, HARDWARE_RE, parse_hardware

METHOD = "rules+spacy-phrasematcher:hardware/v1"
PREFILTER = HARDWARE_RE
# Every model name in quantities.GPU_MODELS / _MODEL_PATTERNS contains one of these.
GATE = common.keyword_gate(
    (
        "h100",
        "h200",
        "h800",
        "a100",
        "a800",
        "a6000",
        "a5000",
        "a4000",
        "a40",
        "a30",
        "a10",
        "l40",
        "l4",
        "v100",
        "p100",
        "p40",
        "p4",
        "t4",
        "k80",
        "k40",
        "k20",
        "m40",
        "m60",
        "titan",
        "rtx",
        "gtx",
        "quadro",
        "tesla",
        "jetson",
        "radeon",
        "mi250",
        "mi100",
        "mi300",
        "gaudi",
        "tpu",
        "xeon",
        "epyc",
        "core i",
        "ryzen",
        "threadripper",
        "snapdragon",
        "pixel 1",
        "pixel 2",
        "pixel 3",
        "pixel 4",
        "pixel phone",
        "iphone",
        "apple",
        "raspberry",
        "exynos",
        "kirin",
        "cortex",
        "galaxy",
        "ipu",
        "cerebras",
        "trainium",
        "inferentia",
        "myriad",
        "kepler",
        "pascal",
        "maxwell",
        "volta",
        "geforce",
        # CPUs, named systems and FPGAs of corpus.hardware_facts.MODEL_PATTERNS
        "intel",
        "i3",
        "i5",
        "i7",
        "i9",
        "core(tm)",
        "coretm",
        "core™",
        "core2",
        "core 2",
        "opteron",
        "pentium",
        "celeron",
        "athlon",
        "macbook",
        "mac ",
        "dgx",
        "mi2",
        "mi5",
        "mi6",
        "zynq",
        "virtex",
        "kintex",
        "alveo",
        "arria",
        "stratix",
        "graviton",
        "nuc ",
        "0ti",
        "0 ti ",
        "0 gpu",
        "0 graphics",
        # cloud instance types (ruling D6)
        "xlarge",
        ".large",
        ".metal",
        "-standard-",
        "-high",
        "standard_",
    )
)
_RUN_CONTEXT = re.compile(
    r"\b(?:GPU|GPUs|TPU|TPUs|CPU|CPUs|card|cards|core|cores|chip|"
    r"machine|server|node|device|phone|trained|train|training|run|"
    r"ran|runs|measured|using|used|use|on|with|inference|latency|"
    r"benchmark|implemented|experiments?)\b",
    re.IGNORECASE,
)
# Model names that are ordinary words or symbols too: need a device word nearby.
_AMBIGUOUS = {
    "P4",
    "T4",
    "L4",
    "A10",
    "A30",
    "A40",
    "K20",
    "K40",
    "M40",
    "M60",
    "P40",
    "IPU",
    "Radeon",
    "Gaudi",
    "Myriad",
    "Cortex-A",
    "Kirin",
    "Exynos",
    "Galaxy S",
}
_EXAMPLE_BEFORE = re.compile(
    r"\b(?:such as|e\.g\.,?|for example|for instance|like)\s+(?:the\s+|an?\s+)?"
    r"(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
_DEVICE_WORD = re.compile(
    r"\b(?:GPU|GPUs|NVIDIA|Nvidia|Tesla|TPU|TPUs|accelerator|card|"
    r"board|chip|device|processor|pod|core)\b"
)


# Matches kept without the token check: families, CPUs, systems and instance types whose
# names are no single GPU_MODELS token sequence ("Intel(R) i9-9900X", "p3.2xlarge").
_NAMED_SHAPE = re.compile(
    r"TPU\s?v\d|GTX|RTX|Quadro|GeForce|Core|Intel|i[3579]|Xeon|Opteron|Pentium|"
    r"Celeron|Athlon|Mac|DGX|Tesla-|MI\d|Apple|Zynq|Virtex|Kintex|Alveo|Arria|"
    r"Stratix|Graviton|NUC|large|\.metal|-\d+g?$|Standard_|0\s?Ti|^\w*\s?\d{4}$",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def _matcher():
    from spacy.matcher import PhraseMatcher

    nlp = common.nlp()
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    matcher.add("HW", [nlp.make_doc(m) for m in GPU_MODELS])
    return matcher


def _confirmed_by_tokens(text: str) -> bool:
    """spaCy PhraseMatcher over tokens: the model name is a whole token sequence."""
    from extractors.hwtokens import confirmed

    known = confirmed(text)  # the matcher's answer without loading spaCy, where certain
    if known is not None:
        return known
    doc = common.nlp().make_doc(text)
    return bool(_matcher()(doc))


def _score(unit: TextUnit):
    text = unit.text
    related = common.is_related_work(text)
    for q in parse_hardware(text):
        if q.unit in _AMBIGUOUS and not _DEVICE_WORD.search(text):
            continue
        if not _RUN_CONTEXT.search(text):
            continue
        start = text.find(q.text)
        # related work only where the citation comes before the device: a spec table
        # run into one unit with a footnote citing a carbon calculator still names it
        if related and common.is_related_work(text[: start + len(q.text)]):
            continue
        if common.cited_nearby(text, start, start + len(q.text)):
            continue
        if _EXAMPLE_BEFORE.search(text[max(0, start - 30) : start]):
            continue  # "GPUs such as the Jetson AGX Xavier": an example, not the testbed
        # the name shape first: where it holds, the token check cannot change the answer
        if not _NAMED_SHAPE.search(q.text) and not _confirmed_by_tokens(re.sub(r"s$", "", q.text)):
            continue
        weight = (
            2.0
            if re.search(r"\b(?:we|our)\b|trained|ran|measured|experiments", text, re.IGNORECASE)
            else 1.0
        )
        return weight, common.evidence_from(unit, start, q.value, q.unit)
    return None


def detect(units: Sequence[TextUnit]) -> Finding:
    """Whether a hardware model (V100, TPU v3, Xeon...) is named for the paper's runs."""
    return common.run("hardware", units, PREFILTER, _score, METHOD, GATE)
