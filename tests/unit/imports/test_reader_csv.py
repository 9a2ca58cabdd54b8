import codecs
import csv
import random
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from leadledger.imports.reader import (
    MAX_CELL_CHARS,
    MAX_RECORD_CHARS,
    SAMPLE_BYTES,
    FileFormatError,
    Row,
    open_rows,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "imports"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of XLS, DOC, MSG and encrypted XLSX


def write(tmp_path: Path, data: bytes | str, name: str = "leads.csv") -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", newline="")
    else:
        path.write_bytes(data)
    return path


def read(path: Path, **kwargs) -> tuple[list[str], list[Row]]:
    with open_rows(path, **kwargs) as source:
        return source.headers, list(source)


def errors(rows: list[Row]) -> dict[int, str | None]:
    return {r.number: r.error for r in rows}


class TestEncodings:
    TEXT = (
        "email,first_name,company\r\n"
        "zoe@example.com,Zoë,Ørsted A/S\r\n"
        "juergen@example.com,Jürgen,Café Müller\r\n"
    )
    VALUES = [
        {"email": "zoe@example.com", "first_name": "Zoë", "company": "Ørsted A/S"},
        {"email": "juergen@example.com", "first_name": "Jürgen", "company": "Café Müller"},
    ]

    @pytest.mark.parametrize(
        ("data", "encoding"),
        [
            (TEXT.encode("utf-8"), "utf-8"),
            (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
            (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
            (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
            (TEXT.encode("utf-16-le"), "utf-16-le"),
            (TEXT.encode("cp1252"), "cp1252"),
        ],
        ids=["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "utf-16-le-no-bom", "cp1252"],
    )
    def test_text_reads_the_same_in_every_encoding(self, tmp_path, data, encoding):
        with open_rows(write(tmp_path, data)) as source:
            assert source.encoding == encoding
            assert source.headers == ["email", "first_name", "company"]
            assert [r.values for r in source] == self.VALUES

    @pytest.mark.parametrize(
        ("text", "codec"),
        [
            ("Name;Umsatz;Notiz\r\nBäckerei Schäfer;5.000 €;Grüße\r\n", "cp1252"),
            ("Imię,Firma,Miasto\r\nŁukasz,Żabka Sp. z o.o.,Wrocław\r\n", "cp1250"),
            ("Имя;Компания\r\nОльга;Газпром\r\nИван;Ромашка\r\n", "cp1251"),
        ],
        ids=["german-cp1252", "polish-cp1250", "russian-cp1251"],
    )
    def test_legacy_code_page_is_recognised(self, tmp_path, text, codec):
        headers, rows = read(write(tmp_path, text.encode(codec)))
        lines = [line.split(";" if ";" in line else ",") for line in text.splitlines()]
        assert headers == lines[0]
        assert [list(r.values.values()) for r in rows] == lines[1:]

    def test_a_latin1_line_in_a_utf8_file_rejects_only_that_row(self, tmp_path):
        data = (
            b"email,last_name\n"
            + "zoe@example.com,Zoë\n".encode()
            + "hans@example.com,Müller\n".encode("latin-1")
            + "soren@example.com,Søgaard\n".encode()
        )
        with open_rows(write(tmp_path, data)) as source:
            rows = list(source)
            assert source.encoding == "utf-8"
        assert errors(rows) == {
            2: None,
            3: "column 'last_name': bytes that are not valid utf-8"
            " (is part of the file in another encoding?)",
            4: None,
        }
        assert rows[1].values["last_name"] == "M\ufffdller"
        assert rows[2].values["last_name"] == "Søgaard"

    def test_bytes_past_the_sample_never_change_the_encoding(self, tmp_path):
        ascii_rows = "".join(f"user{i}@example.com,Plain\n" for i in range(SAMPLE_BYTES // 20))
        data = b"email,name\n" + ascii_rows.encode() + "late@example.com,Müller\n".encode("cp1252")
        with open_rows(write(tmp_path, data)) as source:
            last = list(source)[-1]
            assert source.encoding == "utf-8"
        assert last.error is not None and "column 'name'" in last.error

    def test_a_character_cut_by_the_sample_end_is_still_utf8(self, tmp_path):
        start = b"email,name\na@example.com,"
        data = start + b"x" * (SAMPLE_BYTES - 1 - len(start)) + "é\nb@example.com,Zoë\n".encode()
        assert data[SAMPLE_BYTES - 1 : SAMPLE_BYTES + 1] == "é".encode()
        with open_rows(write(tmp_path, data)) as source:
            rows = list(source)
            assert source.encoding == "utf-8"
        assert rows[0].values["name"].endswith("xé")
        assert [r.error for r in rows] == [None, None]


class TestDelimiters:
    @pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
    def test_delimiter_is_found_from_the_header_and_rows(self, tmp_path, delimiter):
        d = delimiter
        text = f"email{d}name{d}company\nann@example.com{d}Ann{d}Acme\nbo@example.com{d}Bo{d}\n"
        with open_rows(write(tmp_path, text)) as source:
            assert source.delimiter == delimiter
            assert [r.values["name"] for r in source] == ["Ann", "Bo"]

    def test_quoted_delimiters_and_newlines_stay_in_their_cell(self, tmp_path):
        text = (
            "email,company,notes\n"
            'ann@example.com,"Acme, Inc.","met at the fair,\nwants a demo"\n'
            'bo@example.com,"Beta ""Best"" LLC",\n'
        )
        _, rows = read(write(tmp_path, text))
        assert [r.values for r in rows] == [
            {
                "email": "ann@example.com",
                "company": "Acme, Inc.",
                "notes": "met at the fair,\nwants a demo",
            },
            {"email": "bo@example.com", "company": 'Beta "Best" LLC', "notes": ""},
        ]
        assert [r.number for r in rows] == [2, 3]  # a record on two lines is one row

    def test_commas_in_a_semicolon_file_do_not_win(self, tmp_path):
        text = "Name;Umsatz;Ort\nWeber, Hans;1.250,50;Köln\nSchäfer, Grete;99,00;Bonn\n"
        with open_rows(write(tmp_path, text)) as source:
            assert source.delimiter == ";"
            assert [r.values["Umsatz"] for r in source] == ["1.250,50", "99,00"]

    def test_an_excel_sep_line_is_obeyed_and_skipped(self, tmp_path):
        with open_rows(
            write(tmp_path, "sep=;\r\nemail;name\r\nann@example.com;A, B\r\n")
        ) as source:
            assert (source.delimiter, source.headers) == (";", ["email", "name"])
            assert [r.values["name"] for r in source] == ["A, B"]

    def test_a_single_column_file_reads(self, tmp_path):
        headers, rows = read(write(tmp_path, "email\nann@example.com\nbo@example.com\n"))
        assert headers == ["email"]
        assert [r.values for r in rows] == [
            {"email": "ann@example.com"},
            {"email": "bo@example.com"},
        ]


class TestHeaders:
    def test_headers_are_trimmed_named_and_made_unique(self, tmp_path):
        text = "\ufeff Email ,,email,Email (2),Email\nann@example.com,x,b@example.com,c,d\n"
        headers, rows = read(write(tmp_path, text.encode("utf-8")))
        assert headers == ["Email", "column_2", "email", "Email (2)", "Email (3)"]
        assert rows[0].values["Email (3)"] == "d"

    def test_a_header_only_file_has_no_rows(self, tmp_path):
        assert read(write(tmp_path, "email,name\r\n")) == (["email", "name"], [])

    @pytest.mark.parametrize("data", [b"", b"\n\n  \r\n", codecs.BOM_UTF8, codecs.BOM_UTF16_LE])
    def test_an_empty_file_is_refused(self, tmp_path, data):
        with pytest.raises(FileFormatError, match="^the file is empty$"):
            open_rows(write(tmp_path, data))


class TestBadRows:
    def test_blank_lines_and_empty_rows_are_skipped_and_not_counted(self, tmp_path):
        text = 'email,name\n\nann@example.com,Ann\n,\n   \n""," "\nbo@example.com,Bo\n\n'
        _, rows = read(write(tmp_path, text))
        assert [(r.number, r.values["name"]) for r in rows] == [(2, "Ann"), (3, "Bo")]

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            (
                'id,company,email\n1,"Acme, Inc,a@example.com\n2,"Beta, LLC",b@example.com\n'
                "3,Gamma,c@example.com\n",
                {2: "column 'company': unbalanced quote", 3: None, 4: None},
            ),
            (
                'id,company,email\n1,Acme,a@example.com\n2,"Beta LLC,b@example.com\n'
                "3,Gamma,c@example.com\n4,Delta,d@example.com\n",
                {2: None, 3: "column 'company': unbalanced quote", 4: None, 5: None},
            ),
            (
                'id,company,email\n1,Acme,a@example.com\n2,Beta,"b@example.com\n',
                {2: None, 3: "column 'email': unbalanced quote"},
            ),
        ],
        ids=["quotes-later-in-file", "no-quote-until-the-end", "last-line"],
    )
    def test_a_broken_quote_rejects_its_row_and_the_next_rows_are_read(
        self, tmp_path, text, expected
    ):
        _, rows = read(write(tmp_path, text))
        found = {r.number: r.error.split(",")[0] if r.error else None for r in rows}
        assert found == expected
        assert all(r.values["email"].endswith("@example.com") for r in rows if not r.error)

    def test_a_stray_quote_that_would_swallow_the_file_is_cut_off(self, tmp_path):
        lines = [f"{i},Co {i},x{i}@example.com\n" for i in range(MAX_RECORD_CHARS // 20)]
        lines[10] = '10,"Broken Co,x10@example.com\n'
        _, rows = read(write(tmp_path, "id,company,email\n" + "".join(lines)))
        assert len(rows) == len(lines)
        assert [r.number for r in rows if r.error] == [12]
        assert rows[-1].values["email"] == f"x{len(lines) - 1}@example.com"

    def test_more_cells_than_headers_is_an_error_naming_them(self, tmp_path):
        text = "id,email\n1,a@example.com,surprise\n2,b@example.com,,\n3\n"
        _, rows = read(write(tmp_path, text))
        assert errors(rows) == {
            2: "row has 3 cells but the header has 2 columns (extra: 'surprise')",
            3: None,  # trailing empty cells are just trailing delimiters
            4: None,  # missing cells are empty
        }
        assert rows[0].raw == ["1", "a@example.com", "surprise"]
        assert rows[2].values == {"id": "3", "email": ""}

    @pytest.mark.parametrize("quoted", [False, True], ids=["plain", "quoted"])
    def test_a_huge_cell_is_rejected_without_being_loaded(self, tmp_path, quoted):
        cell = "x" * 5_000_000
        huge = f'"{cell}"' if quoted else cell
        text = (
            f"email,company,notes\na@example.com,A,ok\nb@example.com,{huge},n\nc@example.com,C,ok\n"
        )
        path = write(tmp_path, text)
        del text, cell, huge
        tracemalloc.start()
        try:
            _, rows = read(path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert errors(rows) == {
            2: None,
            3: f"column 'company': cell longer than {MAX_CELL_CHARS} characters",
            4: None,
        }
        assert rows[1].values["email"] == "b@example.com"
        assert len(rows[1].values["company"]) <= 101
        assert peak < 4_000_000

    @pytest.mark.parametrize(
        "cell",
        ["y" * (MAX_CELL_CHARS + 1), "y" * 150_000, "line\n" * 40_000],
        ids=["just-over", "over-csv-field-limit", "many-lines"],
    )
    def test_a_cell_over_the_limit_is_rejected_by_column(self, tmp_path, cell):
        text = f'email,notes,company\na@example.com,"{cell}",A\nb@example.com,ok,B\n'
        _, rows = read(write(tmp_path, text))
        assert errors(rows) == {
            2: f"column 'notes': cell longer than {MAX_CELL_CHARS} characters",
            3: None,
        }
        assert rows[0].values["email"] == "a@example.com"
        assert len(rows[0].values["notes"]) <= 101


class TestNotATable:
    @pytest.mark.parametrize(
        ("data", "looks_like"),
        [
            (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "PNG image"),
            (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n", "PDF document"),
            (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "JPEG image"),
            (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "gzip archive"),
            (random.Random(7).randbytes(4096), "binary data"),
            (bytes(random.Random(7).choices(range(1, 32), k=500)), "binary data"),
            (b"<!DOCTYPE html>\n<html><table><tr><td>email</td></tr></table></html>", "HTML page"),
            (OLE2 + bytes(1024), "Office file that is not a spreadsheet"),
        ],
        ids=["png", "pdf", "jpeg", "gzip", "random", "control-chars", "html", "ole2"],
    )
    def test_other_files_are_refused_saying_what_they_look_like(self, tmp_path, data, looks_like):
        with pytest.raises(FileFormatError) as info:
            open_rows(write(tmp_path, data))
        assert str(info.value).startswith(f"not a CSV or spreadsheet file: looks like {looks_like}")

    def test_a_password_protected_workbook_says_so(self, tmp_path):
        data = OLE2 + bytes(500) + "EncryptedPackage".encode("utf-16-le") + bytes(500)
        with pytest.raises(FileFormatError, match="^the spreadsheet is password-protected"):
            open_rows(write(tmp_path, data, "leads.xlsx"))

    @pytest.mark.parametrize(
        ("members", "looks_like"),
        [
            ({"notes.txt": "hello", "photo.jpg": "x"}, "zip archive"),
            ({"word/document.xml": "<w:document/>", "[Content_Types].xml": "<Types/>"}, "Word"),
        ],
        ids=["zip", "docx"],
    )
    def test_a_zip_that_is_not_a_workbook_is_refused(self, tmp_path, members, looks_like):
        path = tmp_path / "leads.xlsx"
        with zipfile.ZipFile(path, "w") as archive:
            for name, content in members.items():
                archive.writestr(name, content)
        with pytest.raises(FileFormatError, match=f"looks like {looks_like}"):
            open_rows(path)


class TestResume:
    TEXT = (
        "email,notes\n"
        "a@example.com,one\n"
        "\n"
        'b@example.com,"two\nlines"\n'
        'c@example.com,"broken\n'
        "d@example.com,four\n"
        "e@example.com,five\n"
    )

    @pytest.mark.parametrize("start_after", [0, 1, 2, 3, 4, 5, 6, 7, 100])
    def test_resuming_gives_the_rows_after_that_number(self, tmp_path, start_after):
        path = write(tmp_path, self.TEXT)
        _, every = read(path)
        _, resumed = read(path, start_after=start_after)
        assert resumed == [r for r in every if r.number > start_after]
        assert [r.number for r in every] == [2, 3, 4, 5, 6]

    def test_a_negative_start_is_refused(self, tmp_path):
        with pytest.raises(ValueError, match="cannot be negative"):
            open_rows(write(tmp_path, self.TEXT), start_after=-1)


class TestFixtures:
    @pytest.mark.parametrize(
        ("name", "encoding", "delimiter", "count"),
        [
            ("hubspot_contacts.csv", "utf-8-sig", ",", 25),
            ("salesforce_leads.csv", "cp1252", ",", 6),
            ("generic_semicolon.csv", "cp1252", ";", 4),
        ],
    )
    def test_exports_read_cleanly(self, name, encoding, delimiter, count):
        with open_rows(FIXTURES / name) as source:
            rows = list(source)
            assert (source.format, source.encoding, source.delimiter) == (
                "csv",
                encoding,
                delimiter,
            )
        assert len(rows) == count
        assert all(r.error is None for r in rows)

    def test_accented_names_survive_the_code_page(self):
        _, rows = read(FIXTURES / "salesforce_leads.csv")
        names = [(r.values["First Name"], r.values["Last Name"]) for r in rows]
        assert ("Jürgen", "Müller") in names and ("Søren", "Kierkegaard") in names
        assert rows[2].values["Company / Account"] == "Café de Flore Traiteur"

    def test_a_formula_is_read_as_plain_text(self):
        _, rows = read(FIXTURES / "hubspot_contacts.csv")
        assert rows[11].values["Company Name"] == '=HYPERLINK("http://x","y")'

    def test_excel_multiline_cell_and_empty_rows(self):
        _, rows = read(FIXTURES / "generic_semicolon.csv")
        assert [r.number for r in rows] == [2, 3, 4, 5]
        assert rows[1].values["Bemerkung"] == "Wünscht Angebot für 3 Filialen\nBudget ca. 5.000 €"
        assert rows[3].values["Bemerkung"] == 'Größe: 8 MA; Interesse an "Premium"-Paket'


def test_reading_200000_rows_keeps_memory_flat(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write('"Email","First Name","Company Name","Notes"\r\n')
        for i in range(200_000):
            notes = "two\r\nlines" if i % 100 == 0 else f"note {i}"
            f.write(f'"user{i}@example.com","Zoë {i}","Company {i}, Inc","{notes}"\r\n')
    tracemalloc.start()
    try:
        count = 0
        last = None
        with open_rows(path) as source:
            for last in source:  # noqa: B007
                count += 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 200_000
    assert last is not None and (last.number, last.error) == (200_001, None)
    assert peak < 50_000_000


def test_well_formed_files_read_exactly_as_the_csv_module_reads_them(tmp_path):
    pieces = ["a", "b", " ", ",", ";", '"', "\n", "\r\n", "é", '5"', "x" * 30]
    path = tmp_path / "leads.csv"
    for seed in range(300):
        rng = random.Random(seed)
        width = rng.randint(2, 5)
        rows = [[f"h{i}" for i in range(width)]]
        for _ in range(rng.randint(0, 8)):
            rows.append(["".join(rng.choices(pieces, k=rng.randint(0, 6))) for _ in range(width)])
        quoting = rng.choice([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])
        newline = rng.choice(["\n", "\r\n"])
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f, quoting=quoting, lineterminator=newline).writerows(rows)
        with path.open(encoding="utf-8", newline="") as f:
            expected = [r for r in list(csv.reader(f))[1:] if any(c.strip() for c in r)]
        with open_rows(path) as source:
            assert source.delimiter == ","
            assert [(r.raw, r.error) for r in source] == [(r, None) for r in expected], seed
