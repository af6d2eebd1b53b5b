"""Uploaded tables are bounded before and while they are read (responses/uploads.py): no
upload can take more than a few seconds or much memory, and every refusal says why."""

import io
import struct
import zipfile

import pytest

from responses import uploads
from responses.uploads import ImportRefused
from tests.factories import xlsx_row, xlsx_workbook

HEADER = xlsx_row(1, ["name", "email", "sector", "affiliation"])


def read(data: bytes, filename="list.csv", **options):
    return list(uploads.table_rows(data=data, filename=filename, **options))


def refusal(data: bytes, filename="list.csv", **options) -> str:
    with pytest.raises(ImportRefused) as refused:
        read(data, filename, **options)
    return str(refused.value)


def test_csv_blank_rows_count_towards_the_row_limit():
    data = b"name,email\n" + b"\n" * uploads.MAX_ROWS + b"Ann,ann@x.example\n"
    assert refusal(data) == uploads.ERROR_TOO_MANY_ROWS


def test_csv_rows_up_to_the_limit_are_read():
    data = b"name\n" + b"x\n" * uploads.MAX_ROWS
    assert len(read(data)) == uploads.MAX_ROWS + 1


def test_xlsx_a_cell_in_the_sheets_last_row_stops_at_the_row_limit():
    data = xlsx_workbook(HEADER + xlsx_row(1_048_576, ["Ann"]))
    assert len(data) < 2_100
    assert refusal(data, "list.xlsx") == uploads.ERROR_TOO_MANY_ROWS


def test_xlsx_a_declared_dimension_past_the_limits_is_refused_before_reading():
    data = xlsx_workbook(HEADER, dimension="A1:XFD1048576")
    expected = uploads.ERROR_XLSX_DIMENSION.format(ref="A1:XFD1048576")
    assert refusal(data, "list.xlsx") == expected


def test_xlsx_rows_past_an_understated_dimension_are_read():
    data = xlsx_workbook(HEADER + xlsx_row(2, ["Ann", "ann@x.example"]), dimension="A1:D1")
    assert read(data, "list.xlsx")[1] == (2, ["Ann", "ann@x.example"])


def test_xlsx_a_sheet_unpacking_past_its_limit_is_refused_from_the_zip_directory():
    padding = " " * (uploads.MAX_STREAMED_PART_BYTES + 1 - len(HEADER))
    data = xlsx_workbook(HEADER + padding)
    assert len(data) < 100_000
    assert refusal(data, "list.xlsx").startswith(
        "The workbook's part xl/worksheets/sheet1.xml unpacks to 16,777,"
    )


def test_xlsx_another_part_is_held_to_its_smaller_limit():
    styles = "<styleSheet>" + " " * uploads.MAX_PART_BYTES + "</styleSheet>"
    data = xlsx_workbook(HEADER, parts={"xl/styles.xml": styles})
    size, limit = len(styles), uploads.MAX_PART_BYTES
    expected = uploads.ERROR_XLSX_PART.format(part="xl/styles.xml", size=size, limit=limit)
    assert refusal(data, "list.xlsx") == expected


def test_xlsx_parts_unpacking_past_the_total_limit_are_refused():
    blank = b"\0" * uploads.MAX_PART_BYTES
    count = uploads.MAX_UNPACKED_BYTES // uploads.MAX_PART_BYTES + 1
    data = xlsx_workbook(HEADER, parts={f"xl/media/image{n}.png": blank for n in range(count)})
    assert refusal(data, "list.xlsx") == uploads.ERROR_XLSX_UNPACKED


def test_cells_past_the_limit_are_refused():
    row = ",".join(["x"] * uploads.MAX_COLUMNS) + "\n"
    data = (row * (uploads.MAX_CELLS // uploads.MAX_COLUMNS + 1)).encode()
    assert refusal(data) == uploads.ERROR_TOO_MANY_CELLS


def test_a_row_past_the_column_limit_is_refused_with_its_line():
    data = b"name\n" + b"," * uploads.MAX_COLUMNS + b"\n"
    assert refusal(data) == uploads.ERROR_TOO_MANY_COLUMNS.format(line=2)


# Ours, and past csv's own limit of 128 KiB, which raises csv.Error.
@pytest.mark.parametrize("length", [uploads.MAX_FIELD_CHARS + 1, 200_000])
def test_csv_a_cell_past_the_field_limit_is_refused_with_its_line(length):
    data = b"name\nAnn\n" + b"x" * length + b"\n"
    assert refusal(data) == uploads.ERROR_FIELD_TOO_LONG.format(line=3)


def test_xlsx_a_shared_string_past_the_field_limit_is_refused_with_its_line():
    sheet = HEADER + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    data = xlsx_workbook(sheet, strings=["x" * (uploads.MAX_FIELD_CHARS + 1)])
    assert refusal(data, "list.xlsx") == uploads.ERROR_FIELD_TOO_LONG.format(line=2)


def test_xlsx_one_shared_string_repeated_past_the_text_limit_is_refused():
    cells = "".join(f'<c r="{column}2" t="s"><v>0</v></c>' for column in ("A", "B", "C"))
    rows = "".join(f'<row r="{n}">{cells.replace("2", str(n))}</row>' for n in range(2, 400))
    data = xlsx_workbook(HEADER + rows, strings=["x" * uploads.MAX_FIELD_CHARS])
    assert len(data) < 20_000
    assert refusal(data, "list.xlsx") == uploads.ERROR_TOO_MUCH_TEXT


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x7f", "\x85"])
def test_csv_a_control_character_is_refused_with_line_and_column(character):
    data = f"name,email\nAnn,ann{character}@x.example\n".encode()
    expected = uploads.ERROR_CONTROL.format(line=2, column=2, code=ord(character))
    assert refusal(data) == expected


def test_xlsx_a_control_character_is_refused_with_line_and_column():
    data = xlsx_workbook(HEADER + xlsx_row(2, ["Ann", "ann\x85@x.example"]))
    expected = uploads.ERROR_CONTROL.format(line=2, column=2, code=0x85)
    assert refusal(data, "list.xlsx") == expected


def test_tabs_and_line_breaks_in_a_cell_are_kept():
    assert read(b'name\n"Two\nlines\tand a tab"\n')[1] == (2, ["Two\nlines\tand a tab"])


@pytest.mark.parametrize(
    ("data", "filename"), [(b"name\nAnn\n", "list.csv"), (xlsx_workbook(HEADER), "list.xlsx")]
)
def test_reading_past_the_time_budget_is_refused(data, filename):
    # A budget already spent: XLSX stops at openpyxl's first read of the file.
    assert refusal(data, filename, seconds=-1) == uploads.ERROR_TOO_SLOW


@pytest.mark.parametrize(
    "sheet",
    [
        HEADER[:-20],  # broken XML
        '<row r="1"><c r="A1" t="s"><v>7</v></c></row>',  # a shared string that is not there
        '<row r="1"><c r="A1"><v>NaN</v></c></row>',  # a number that is none
        '<row r="1"><c r="A1" t="d"><v>yesterday</v></c></row>',  # a date that is none
    ],
)
def test_xlsx_a_damaged_sheet_is_refused_clearly(sheet):
    assert refusal(xlsx_workbook(sheet), "list.xlsx") == uploads.ERROR_XLSX


def test_xlsx_a_corrupt_compressed_part_is_refused_clearly():
    data = bytearray(xlsx_workbook(HEADER))
    part = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    name_length, extra_length = struct.unpack_from("<HH", data, part.header_offset + 26)
    start = part.header_offset + 30 + name_length + extra_length
    data[start : start + part.compress_size] = b"\xff" * part.compress_size  # no deflate block
    assert refusal(bytes(data), "list.xlsx") == uploads.ERROR_XLSX


def test_xlsx_an_xml_entity_is_refused():
    sheet = (
        '<!DOCTYPE w [<!ENTITY e "boom">]><worksheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t>'
        "</is></c></row></sheetData></worksheet>"
    )
    data = xlsx_workbook("", parts={"xl/worksheets/sheet1.xml": sheet})
    assert refusal(data, "list.xlsx") == uploads.ERROR_XLSX


def test_xlsx_formula_cells_read_as_their_cached_value():
    sheet = '<row r="1"><c r="A1"><f>1+1</f><v>2</v></c><c r="B1"><f>NOW()</f></c></row>'
    assert read(xlsx_workbook(sheet), "list.xlsx") == [(1, ["2", ""])]
