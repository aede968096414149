import json
import unicodedata
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from forms import FormDefinitionError, FormRegistry, UnknownForm, messages
from forms import default_registry, FormInvalid

DEFINITIONS = sorted((Path(__file__).parents[2] / "forms" / "definitions").glob("*.json"))
EXPECTED_KEYS = {"incoming_assign", "incoming_coordinate", "incoming_document", "incoming_distribute",
                 "incoming_handle", "incoming_recheck", "incoming_review", "outgoing_draft", "outgoing_consult",
                 "outgoing_review", "outgoing_check", "outgoing_approve", "outgoing_sign", "outgoing_issue"}

# The registration metadata (POST /api/incoming): its required fields.
REGISTER_OK = {
    "subject": "Về việc triển khai kế hoạch chuyển đổi số năm 2026",
    "issuer_name": "UBND tỉnh Thừa Thiên Huế",
    "number_notation": "123/UBND-VX",
    "document_date": "2026-11-20",
    "doc_type": "Công văn",
}


def errors_of(key, data, locale="vi"):
    with pytest.raises(FormInvalid) as info:
        default_registry().validate(key, data, locale)
    return info.value.errors


# --- definitions ---------------------------------------------------------

def test_every_definition_file_loads_with_a_valid_schema():
    assert {p.stem for p in DEFINITIONS} == EXPECTED_KEYS
    registry = default_registry()
    assert set(registry.keys()) == EXPECTED_KEYS
    for path in DEFINITIONS:
        raw = json.loads(path.read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(raw["schema"])
        form = registry.get(raw["key"])
        assert form.title["vi"] and form.title["en"]
        assert set(form.ui["order"]) == set(form.schema["properties"])
        for name, field in form.schema["properties"].items():
            assert field["title"] and field["x-title-en"], name


def test_default_registry_is_cached():
    assert default_registry() is default_registry()


def test_unknown_form_key():
    with pytest.raises(UnknownForm) as info:
        default_registry().get("no_such_form")
    assert "no_such_form" in str(info.value)
    with pytest.raises(KeyError):
        default_registry().validate("no_such_form", {})


# --- cleaning ------------------------------------------------------------

def test_valid_data_is_nfc_stripped_defaulted_and_unknown_fields_dropped():
    decomposed = unicodedata.normalize("NFD", "Quyết định số 45/QĐ-UBND")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    data = dict(REGISTER_OK, subject=f"  {decomposed}\n", page_count=3, hacker="x")
    cleaned = default_registry().validate("incoming_document", data)
    assert cleaned["subject"] == "Quyết định số 45/QĐ-UBND"
    assert unicodedata.is_normalized("NFC", cleaned["subject"])
    assert "hacker" not in cleaned
    assert cleaned["urgency"] == "normal"
    assert cleaned["page_count"] == 3


def test_valid_distribute_and_handle():
    registry = default_registry()
    assigned = registry.validate("incoming_distribute", {
        "decision": "assign", "lead_unit_id": 7, "coordinators": [8, 9],
        "deadline": "2026-11-21T08:00:00+07:00",
        "direction": unicodedata.normalize("NFD", " Đề nghị xử lý gấp "),
    })
    assert assigned["direction"] == "Đề nghị xử lý gấp"
    registry.validate("incoming_distribute", {"decision": "return", "return_reason": "Sai nơi nhận"})
    assert registry.validate("incoming_handle", {"result": "Đã xử lý", "completed": True})
    assert registry.validate("incoming_review", {"approved": True})
    assert registry.validate("incoming_review", {"approved": False, "comment": "Bổ sung số liệu quý IV."})


def test_returning_the_result_needs_a_reason():
    """The review's "Trả lại" sends the work back: the handler must be told why."""
    assert errors_of("incoming_review", {"approved": False}) == {
        "comment": "Trường «Ý kiến (lý do, khi trả lại)» là bắt buộc."}
    assert errors_of("incoming_review", {}) == {"approved": "Trường «Đồng ý kết quả» là bắt buộc."}


# --- Vietnamese messages -------------------------------------------------

def test_missing_required_subject():
    data = {k: v for k, v in REGISTER_OK.items() if k != "subject"}
    assert errors_of("incoming_document", data) == {
        "subject": "Trường «Trích yếu» là bắt buộc."
    }


def test_blank_required_subject_counts_as_missing():
    errors = errors_of("incoming_document", dict(REGISTER_OK, subject="   "))
    assert errors == {"subject": "Trường «Trích yếu» là bắt buộc."}


def test_subject_too_long():
    errors = errors_of("incoming_document", dict(REGISTER_OK, subject="a" * 501))
    assert errors == {"subject": "«Trích yếu» dài tối đa 500 ký tự."}


def test_bad_urgency_lists_vietnamese_labels():
    errors = errors_of("incoming_document", dict(REGISTER_OK, urgency="asap"))
    assert errors == {
        "urgency": "«Mức độ khẩn» phải là một trong: Thường, Khẩn, Thượng khẩn, Hỏa tốc."
    }


@pytest.mark.parametrize("value", ["2026-11-21 08:00", "2026-11-21T08:00:00", "ngày mai"])
def test_bad_date_time(value):
    errors = errors_of("incoming_distribute", {
        "decision": "assign", "lead_user_id": 3, "direction": "Xử lý", "deadline": value,
    })
    assert errors == {
        "deadline": "«Hạn xử lý» phải là ngày giờ ISO 8601, ví dụ 2026-11-21T08:00:00+07:00."
    }


def test_bad_date_type_and_minimum():
    errors = errors_of("incoming_document", dict(
        REGISTER_OK, document_date="2026-02-30", page_count="ba"))
    assert errors["document_date"] == "«Ngày văn bản» phải là ngày theo ISO 8601, ví dụ 2026-11-21."
    assert errors["page_count"] == "«Số trang» phải là số nguyên."
    errors = errors_of("incoming_document", dict(REGISTER_OK, page_count=0))
    assert errors == {"page_count": "«Số trang» phải lớn hơn hoặc bằng 1."}


def test_assign_without_direction_and_lead():
    errors = errors_of("incoming_distribute", {"decision": "assign", "direction": " "})
    assert errors == {
        "direction": "Trường «Ý kiến chỉ đạo» là bắt buộc.",
        "": "Khi phân xử lý, phải chọn «Đơn vị chủ trì» hoặc «Người chủ trì».",
    }


def test_return_without_reason():
    errors = errors_of("incoming_distribute", {"decision": "return"})
    assert errors == {"return_reason": "Trường «Lý do trả lại» là bắt buộc."}


def test_recheck_needs_a_note_to_resubmit_and_a_reason_to_close():
    registry = default_registry()
    assert registry.validate("incoming_recheck", {"recheck_decision": "resubmit",
                                                  "recheck_note": " Đã bổ sung phụ lục "})["recheck_note"] == \
        "Đã bổ sung phụ lục"
    assert errors_of("incoming_recheck", {"recheck_decision": "resubmit", "close_reason": "x"}) == {
        "recheck_note": "Trường «Ghi chú trình lại» là bắt buộc."}
    assert errors_of("incoming_recheck", {"recheck_decision": "close", "close_reason": "  "}) == {
        "close_reason": "Trường «Lý do đóng» là bắt buộc."}
    assert errors_of("incoming_recheck", {}) == {"recheck_decision": "Trường «Hướng xử lý» là bắt buộc."}
    assert errors_of("incoming_recheck", {"recheck_decision": "archive"}) == {
        "recheck_decision": "«Hướng xử lý» phải là một trong: Trình lại lãnh đạo phân phối, "
                            "Đóng và trả lại nơi gửi: văn bản không thuộc thẩm quyền của cơ quan."}
    assert errors_of("incoming_recheck", {"recheck_decision": "close"}, "en") == {
        "close_reason": "The field “Reason for closing” is required."}


def test_array_item_errors_use_nested_paths():
    errors = errors_of("incoming_distribute", {
        "decision": "return", "return_reason": "Sai", "coordinators": [4, "x"],
    })
    assert errors == {"coordinators.1": "«Phối hợp, mục 2» phải là số nguyên."}


def test_non_object_payload():
    assert errors_of("incoming_handle", ["x"]) == {
        "": "Dữ liệu biểu mẫu phải là một đối tượng JSON."
    }


# --- English locale ------------------------------------------------------

def test_english_locale():
    errors = errors_of("incoming_distribute", {"decision": "assign", "lead_unit_id": 1}, "en")
    assert errors == {"direction": "The field “Direction” is required."}
    errors = errors_of("incoming_document", dict(REGISTER_OK, urgency="asap"), "en-US")
    assert errors == {"urgency": "“Urgency” must be one of: Normal, Urgent, Very urgent, Flash."}
    assert messages("en")["required"] != messages()["required"]
    with pytest.raises(ValueError):
        messages("fr")


# --- generic keywords via an ad-hoc registry -----------------------------

def test_generic_keywords_and_definition_checks(tmp_path):
    form = {
        "key": "contact",
        "title": {"vi": "Liên hệ", "en": "Contact"},
        "schema": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "title": "Mã", "pattern": "^[A-Z]{3}$",
                         "examples": ["ABC"]},
                "email": {"type": "string", "title": "Thư điện tử", "format": "email"},
                "extra": {"type": "object", "title": "Thêm",
                          "properties": {"a": {"type": "integer"}},
                          "patternProperties": {"^x-": {}}, "additionalProperties": False},
            },
        },
        "ui": {"order": ["code", "email", "extra"], "widgets": {}},
    }
    (tmp_path / "contact.json").write_text(json.dumps(form), encoding="utf-8")
    registry = FormRegistry()
    assert registry.load_directory(tmp_path) == ["contact"]
    with pytest.raises(FormInvalid) as info:
        registry.validate("contact", {"code": "ab", "email": "khong-hop-le",
                                      "extra": {"a": 1, "x-b": 2, "c": 3}})
    assert info.value.errors == {
        "code": "«Mã» không đúng định dạng, ví dụ ABC.",
        "email": "«Thư điện tử» phải là địa chỉ email hợp lệ, ví dụ vanthu@example.gov.vn.",
    }
    assert registry.validate("contact", {"extra": {"a": 1, "x-b": 2, "c": 3}}) == {
        "extra": {"a": 1, "x-b": 2}
    }

    form["ui"]["widgets"] = {"code": "slider"}
    (tmp_path / "contact.json").write_text(json.dumps(form), encoding="utf-8")
    with pytest.raises(FormDefinitionError, match="slider"):
        FormRegistry().load_directory(tmp_path)


def test_messages_for_raw_validator_errors():
    from forms.messages import error_messages

    schema = {
        "type": "object",
        "properties": {
            "code": {"type": "string", "title": "Mã", "minLength": 3},
            "score": {"type": "number", "title": "Điểm", "maximum": 10},
        },
        "additionalProperties": False,
    }
    errors = Draft202012Validator(schema).iter_errors({"code": "ab", "score": 11, "zz": 1})
    assert error_messages(errors, schema) == {
        "code": "«Mã» phải có ít nhất 3 ký tự.",
        "score": "«Điểm» phải nhỏ hơn hoặc bằng 10.",
        "zz": "Trường «zz» không được phép có trong biểu mẫu.",
    }
