import pytest

from doorstep.domain.notify.kinds import Rule
from doorstep.domain.notify.templates import (
    DEFAULTS,
    FIELDS,
    MAX_SOURCE_CHARS,
    SAMPLE,
    SAMPLES,
    MessageTemplate,
    TemplateError,
    default_template,
    render,
    render_html,
    validate,
)

# GSM 03.38 basic set; the extension set costs two septets each.
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")


def sms_segments(text: str) -> int:
    """Segments an SMS takes: GSM-7 160/153 septets, else UCS-2 70/67 characters."""
    if all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in text):
        units = sum(2 if ch in _GSM_EXTENDED else 1 for ch in text)
        single, multi = 160, 153
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi = 70, 67
    return 1 if units <= single else -(-units // multi)


def test_gsm_helper():
    assert sms_segments("a" * 160) == 1
    assert sms_segments("a" * 161) == 2
    assert sms_segments("10:00–12:00") == 1
    assert sms_segments("x" * 71 + "–") == 2


def test_every_rule_channel_language_has_a_default():
    for rule in Rule:
        for channel in ("sms", "email"):
            for language in ("en", "fi"):
                template = DEFAULTS[(rule, channel, language)]
                assert (template.subject is None) == (channel == "sms")


@pytest.mark.parametrize("key", sorted(DEFAULTS), ids=lambda k: "-".join(k))
def test_default_validates_and_renders(key):
    rule, _channel, language = key
    template = DEFAULTS[key]
    for source in (template.body, template.subject):
        if source is None:
            continue
        validate(source)
        validate(source, html=True)
        text = render(source, SAMPLES[language])
        assert text and "{{" not in text and "{%" not in text
        assert text == text.strip()
    if rule is Rule.chat:
        assert "{{ message }}" in template.body
    else:
        assert "{{ tracking_url }}" in template.body


@pytest.mark.parametrize(
    "key", sorted(k for k in DEFAULTS if k[1] == "sms"), ids=lambda k: "-".join(k)
)
def test_sms_defaults_fit_two_segments_of_gsm7(key):
    rule, _channel, language = key
    text = render(DEFAULTS[key].body, SAMPLES[language])
    assert all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in text), text
    assert sms_segments(text) <= (2 if rule is Rule.failed else 1), (len(text), text)


def test_samples_cover_every_field():
    for sample in SAMPLES.values():
        assert set(sample) == set(FIELDS)
    assert SAMPLE is SAMPLES["en"]


def test_default_template_falls_back_to_english():
    assert default_template(Rule.arriving, "sms", "sv") == DEFAULTS[(Rule.arriving, "sms", "en")]
    assert default_template(Rule.arriving, "sms", "fi-FI") == DEFAULTS[(Rule.arriving, "sms", "fi")]
    assert isinstance(default_template(Rule.delivered, "email", "fi"), MessageTemplate)
    with pytest.raises(ValueError, match="unknown channel"):
        default_template(Rule.delivered, "fax", "en")


def test_arriving_stops_plural_and_zero():
    body = DEFAULTS[(Rule.arriving, "sms", "en")].body
    assert "(1 stop before yours)" in render(body, {**SAMPLE, "stops_away": 1})
    assert "stop" not in render(body, {**SAMPLE, "stops_away": 0}).split("Track")[0]


def test_scheduled_without_first_name():
    body = DEFAULTS[(Rule.scheduled, "sms", "en")].body
    assert render(body, {**SAMPLE, "first_name": ""}).startswith("Hi, your delivery")


def test_render_strips_and_collapses_blank_lines():
    assert render("\n\n  Hi {{ first_name }}\n\n\n\n\nBye  \n", SAMPLE) == "Hi Aino\n\nBye"


def test_render_html_escapes_fields():
    out = render_html("<p>{{ message }}</p>", {**SAMPLE, "message": "<script>x</script>"})
    assert out == "<p>&lt;script&gt;x&lt;/script&gt;</p>"
    assert render("{{ message }}", {**SAMPLE, "message": "<b>"}) == "<b>"


def test_render_missing_value():
    with pytest.raises(TemplateError, match="no value for field 'eta'"):
        render("Hi\nat {{ eta }}", {"first_name": "A"})


def test_filters_and_conditions_allowed():
    validate("{{ first_name|upper }} {{ organisation|default('us') }} {{ minutes + 1 }}")
    validate("{% if minutes < 5 %}soon{% elif minutes < 30 %}later{% else %}x{% endif %}")
    validate("{{ tracking_code[:4] }} {{ 'a' if stops_away == 1 else 'b' }}")
    assert render("{{ tracking_code[:4]|lower }}", SAMPLE) == "7k3m"


def test_unknown_field():
    with pytest.raises(TemplateError) as info:
        validate("Hi {{ name }}, {{ first_name }} {{ zzz }}")
    message = str(info.value)
    assert message.startswith("unknown fields: name, zzz.")
    assert "Allowed fields: first_name, recipient_name" in message


def test_unknown_single_field():
    with pytest.raises(TemplateError, match=r"^unknown field: eta_minutes\. Allowed"):
        validate("{{ eta_minutes }}")


def test_syntax_error_names_line():
    with pytest.raises(TemplateError, match=r"^syntax error on line 3: "):
        validate("Hello\n{{ first_name }}\n{{ tracking_url }")


def test_unclosed_block_names_line():
    with pytest.raises(TemplateError, match=r"syntax error on line \d+"):
        validate("{% if minutes %}\nsoon")


def test_attribute_on_field():
    with pytest.raises(TemplateError, match="line 2: tracking_code has no attribute 'foo'"):
        validate("Hi\n{{ tracking_code.foo }}")
    with pytest.raises(
        TemplateError, match="minutes has no attribute 'foo': fields are plain numbers"
    ):
        validate("{{ minutes.foo }}")
    with pytest.raises(TemplateError, match=r"use a filter instead, e.g. \{\{ first_name\|upper"):
        validate("{{ first_name.upper() }}")


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__ }}",
        "{{ first_name.__class__.__mro__[1].__subclasses__() }}",
        "{{ first_name['__class__'] }}",
        "{{ first_name|attr('__class__') }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ range(10) }}",
        "{{ lipsum() }}",
        "{% for x in range(100000000) %}{{ x }}{% endfor %}",
        "{% set x = message ~ message %}{{ x }}",
        "{% include 'other' %}",
        "{% extends 'base' %}",
        "{% import 'm' as m %}",
        "{% macro m() %}x{% endmacro %}",
        "{{ message * 100000 }}",
        "{{ 9 ** 99999999 }}",
        "{{ '%999999999s' % first_name }}",
        "{{ first_name|center(999999999) }}",
        "{{ first_name|safe }}",
        "{{ first_name.format(1) }}",
        "{{ [first_name] }}",
    ],
)
def test_sandbox_refusals(source):
    with pytest.raises(TemplateError):
        validate(source)
    with pytest.raises(TemplateError):
        render(source, SAMPLE)


def test_render_time_security_error_becomes_template_error():
    with pytest.raises(TemplateError, match="line 1: refused: repeating text"):
        render("{{ message * minutes }}", {**SAMPLE, "message": "x" * 1000, "minutes": 100})


def test_source_length_limit():
    validate("x" * MAX_SOURCE_CHARS)
    with pytest.raises(TemplateError, match=f"limit is {MAX_SOURCE_CHARS}"):
        validate("x" * (MAX_SOURCE_CHARS + 1))


def test_messages_name_disallowed_construct():
    with pytest.raises(TemplateError, match=r"line 2: \{% set %\} not allowed"):
        validate("a\n{% set x = 1 %}")
    with pytest.raises(TemplateError, match="disallowed filter 'center'"):
        validate("{{ first_name|center(3) }}")


def test_template_error_is_value_error():
    assert issubclass(TemplateError, ValueError)
