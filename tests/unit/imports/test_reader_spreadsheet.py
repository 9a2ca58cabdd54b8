import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
import xlsxwriter

from leadledger.imports.reader import FileFormatError, open_rows


def make_xlsx(path: Path, sheets: dict[str, list[tuple[int, list]]]) -> Path:
    """``{sheet: [(0-based row, cells), ...]}``; dates get a date format, as Excel would."""
    book = xlsxwriter.Workbook(path)
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    datetime_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, cells in rows:
            for c, value in enumerate(cells):
                if isinstance(value, datetime):
                    sheet.write_datetime(r, c, value, datetime_format)
                elif isinstance(value, date):
                    sheet.write_datetime(
                        r, c, datetime.combine(value, datetime.min.time()), date_format
                    )
                elif value is not None:
                    sheet.write(r, c, value)
    book.close()
    return path


HEADER = ["Email", "Phone", "Created", "Last Touch", "Revenue", "Consent", "Employees", "Score"]
LEADS = [
    (0, HEADER),
    (1, ["ann@example.com", 4155550100, date(2024, 3, 5), datetime(2024, 3, 5, 14, 30), 1234.5,
         True, 250, 0.1 + 0.2]),
    (3, ["bo@example.com", "+44 20 7946 0958", None, None, 2500000.0, False, None, None]),
    (4, [None] * 8),
    (5, ["cy@example.com", None, None, None, None, None, None, None, "extra"]),
]  # fmt: skip


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    archive = [(0, ["Email"]), (1, ["old@example.com"])]
    return make_xlsx(tmp_path / "leads.xlsx", {"Leads": LEADS, "Archive": archive})


class TestXlsx:
    def test_cells_read_as_a_user_sees_them(self, workbook):
        with open_rows(workbook) as source:
            rows = list(source)
            assert (source.format, source.sheet, source.encoding) == ("xlsx", "Leads", None)
            assert source.headers == [*HEADER, "column_9"]
        assert rows[0].values == {
            "Email": "ann@example.com",
            "Phone": "4155550100",
            "Created": "2024-03-05",
            "Last Touch": "2024-03-05T14:30:00",
            "Revenue": "1234.5",
            "Consent": "TRUE",
            "Employees": "250",
            "Score": "0.3",
            "column_9": "",
        }
        assert rows[1].values["Revenue"] == "2500000"
        assert rows[1].values["Consent"] == "FALSE"

    def test_row_numbers_are_the_sheets_own_and_blank_rows_are_skipped(self, workbook):
        with open_rows(workbook) as source:
            assert [r.number for r in source] == [2, 4, 6]

    def test_a_header_lower_in_the_sheet_keeps_the_sheets_numbering(self, tmp_path):
        path = make_xlsx(tmp_path / "t.xlsx", {"S": [(2, ["Email"]), (3, ["a@example.com"])]})
        with open_rows(path) as source:
            assert [(r.number, r.values) for r in source] == [(4, {"Email": "a@example.com"})]

    def test_a_cell_under_no_header_is_kept_by_a_named_column(self, workbook):
        with open_rows(workbook) as source:
            last = list(source)[-1]
        assert (last.error, last.values["column_9"]) == (None, "extra")

    def test_a_named_sheet_is_read(self, workbook):
        with open_rows(workbook, sheet="Archive") as source:
            assert [r.values for r in source] == [{"Email": "old@example.com"}]

    def test_a_missing_sheet_names_the_sheets_there_are(self, workbook):
        with pytest.raises(FileFormatError, match="no sheet named 'Leeds'; its sheets are: Leads"):
            open_rows(workbook, sheet="Leeds")

    def test_an_empty_sheet_is_refused(self, tmp_path):
        path = make_xlsx(tmp_path / "t.xlsx", {"Empty": []})
        with pytest.raises(FileFormatError, match="the sheet 'Empty' is empty"):
            open_rows(path)

    @pytest.mark.parametrize("start_after", [0, 2, 3, 5, 6])
    def test_resuming_gives_the_rows_after_that_number(self, workbook, start_after):
        with open_rows(workbook) as source:
            every = list(source)
        with open_rows(workbook, start_after=start_after) as source:
            assert list(source) == [r for r in every if r.number > start_after]


class TestFormatComesFromContent:
    def test_a_workbook_named_csv_is_read_as_a_workbook(self, tmp_path):
        path = make_xlsx(tmp_path / "export.csv", {"Leads": [(0, ["Email"]), (1, ["a@b.co"])]})
        with open_rows(path) as source:
            assert source.format == "xlsx"
            assert [r.values for r in source] == [{"Email": "a@b.co"}]

    def test_a_csv_named_xlsx_is_read_as_csv(self, tmp_path):
        path = tmp_path / "export.xlsx"
        path.write_text("Email\na@b.co\n")
        with open_rows(path) as source:
            assert source.format == "csv"

    def test_a_damaged_workbook_is_refused(self, tmp_path):
        path = tmp_path / "broken.xlsx"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("xl/workbook.xml", "<not really a workbook")
        with pytest.raises(FileFormatError, match="the XLSX file is damaged"):
            open_rows(path)

    def test_sheet_is_refused_for_csv(self, tmp_path):
        path = tmp_path / "leads.csv"
        path.write_text("Email\na@b.co\n")
        with pytest.raises(FileFormatError, match="has no sheets"):
            open_rows(path, sheet="Leads")
