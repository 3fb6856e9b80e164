"""The source registry: every name builds its source; unknown names and options are clear errors."""

from __future__ import annotations

import pytest

from corpus.errors import ConfigError
from corpus.sources.registry import SOURCE_NAMES, get_source


def test_every_name_builds_a_source_with_that_name():
    assert SOURCE_NAMES == ("acl", "pmlr", "mlanthology", "neurips", "cvf", "openreview", "arxiv")
    for name in SOURCE_NAMES:
        src = get_source(name)
        assert src.name == name and callable(src.iter_papers)
        assert src.base_url.startswith("https://")


def test_options_reach_the_source():
    src = get_source("ACL", base_url="http://127.0.0.1:9/xml/", main_only=False)
    assert src.base_url == "http://127.0.0.1:9/xml" and src.main_only is False
    assert get_source("arxiv", search_query="all:energy").min_interval_s == 3.0


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ConfigError) as err:
        get_source("semantic-scholar")
    assert "semantic-scholar" in str(err.value)
    assert all(n in str(err.value) for n in SOURCE_NAMES)


def test_unknown_option_is_a_config_error():
    with pytest.raises(ConfigError, match="bad option for source 'cvf'"):
        get_source("cvf", no_such_option=1)
