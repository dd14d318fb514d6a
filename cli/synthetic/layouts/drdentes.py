"""Dr.DENTES (Türkiye): cp1254 `;` CSV dump plus report XLSX, as mappings/sources/README.md §2."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal

from cli.synthetic.activity import ActivitySpec
from cli.synthetic.faults import FaultTargets
from cli.synthetic.layouts.base import Layout, Row, day_first, hhmm, turkish_money, yes_no
from cli.synthetic.model import Bundle, Code, CustomValue, DateValue, Practice
from cli.synthetic.naming import IdScheme, numeric_ids
from cli.synthetic.people import PeopleSpec
from cli.synthetic.sinks import FileSpec

D = Decimal
_CODES = [  # TDB Rehber Tarife style section-item codes; fees excl. KDV, practice-defined
    Code("1-1", "Diş Hekimi Muayenesi", "diagnostic", D("1500.00"), tooth=False),
    Code("1-3", "Periapikal Film", "diagnostic", D("450.00")),
    Code("1-6", "Panoramik Film", "diagnostic", D("1100.00"), tooth=False),
    Code("2-3", "Kompozit Dolgu (Tek Yüzlü)", "restorative", D("3200.00"), surfaces=True),
    Code("2-4", "Kompozit Dolgu (İki Yüzlü)", "restorative", D("3900.00"), surfaces=True),
    Code("2-12", "Kanal Tedavisi (Tek Kanal)", "endodontic", D("5200.00")),
    Code("3-5", "Fissür Örtücü", "preventive", D("1200.00")),
    Code("4-8", "Metal Destekli Porselen Kron", "prosthetic", D("9500.00")),
    Code("4-15", "Total Protez (Tek Çene)", "prosthetic", D("18000.00"), tooth=False),
    Code("5-1", "Diş Çekimi", "surgical", D("2200.00")),
    Code("5-3", "Gömülü Diş Çekimi", "surgical", D("6500.00")),
    Code("6-2", "Diş Taşı Temizliği (Tek Çene)", "periodontal", D("1800.00"), tooth=False),
    Code("7-10", "Sabit Ortodontik Tedavi", "orthodontic", D("75000.00"), tooth=False),
    Code("8-1", "İmplant Uygulaması", "prosthetic", D("32000.00")),
    Code("9-1", "Acil Müdahale", "urgent", D("2000.00")),
]
_CATEGORY = {"diagnostic": "Muayene ve Teşhis", "restorative": "Tedavi ve Endodonti",
             "endodontic": "Tedavi ve Endodonti", "preventive": "Pedodonti", "prosthetic": "Protez",
             "surgical": "Cerrahi", "periodontal": "Periodontoloji", "orthodontic": "Ortodonti",
             "urgent": "Cerrahi"}  # fmt: skip
_ROLES = {"dentist": "Diş Hekimi", "hygienist": "Diş Hekimi", "therapist": "Diş Hekimi",
          "nurse": "Asistan", "receptionist": "Sekreter", "manager": "Yönetici"}  # fmt: skip
_STATUS = {"booked": "Bekliyor", "confirmed": "Onaylandı", "arrived": "Geldi", "completed": "Geldi",
           "no_show": "Gelmedi", "cancelled_patient": "İptal", "cancelled_late": "İptal",
           "cancelled_practice": "Klinik İptali", "rescheduled": "Ertelendi"}  # fmt: skip
_TYPES = {"exam": "Muayene", "new_patient": "Muayene", "hygiene": "Diş Taşı Temizliği",
          "treatment": "Dolgu", "emergency": "Acil", "review": "Kontrol",
          "consultation": "Muayene"}  # fmt: skip
_RELATIONSHIPS = {"mother": "Annesi", "father": "Babası", "parent": "Annesi", "spouse": "Eşi",
                  "partner": "Eşi", "sibling": "Kardeşi", "child": "Çocuğu"}  # fmt: skip
_FLAGS = {"white": "Beyaz", "black": "Siyah", "red": "Kırmızı", "green": "Yeşil", "blue": "Mavi",
          "yellow": "Sarı"}  # fmt: skip
_REFERRALS = {"search": "Google", "website": "İnternet", "word_of_mouth": "Tavsiye",
              "social": "Instagram", "existing_patient": "Tavsiye", "walk_in": "Tabela",
              "other": "Diğer"}  # fmt: skip
_PLAN_STATUS = {"presented": "Sunuldu", "accepted": "Onaylandı", "in_progress": "Devam Ediyor",
                "completed": "Tamamlandı", "declined": "Reddedildi"}  # fmt: skip
_PROCEDURE_STATUS = {"planned": "Planlandı", "completed": "Tamamlandı", "declined": "Reddedildi"}
_INVOICE_STATUS = {"paid": "Ödendi", "part_paid": "Kısmen Ödendi", "issued": "Ödenmedi",
                   "overdue": "Ödenmedi", "void": "İptal", "written_off": "İptal"}  # fmt: skip
_METHODS = {"cash": "Nakit", "card": "Kredi Kartı", "bank_transfer": "Havale/EFT", "cheque": "Çek",
            "promissory_note": "Senet", "refund": "İade"}  # fmt: skip
_NOTE_TYPES = {"clinical": "Muayene Notu", "treatment": "Tedavi Notu", "medical_history": "Anamnez",
               "correspondence": "Genel", "lab": "Genel"}  # fmt: skip
_DOC_TYPES = {"radiograph": "Röntgen", "photo": "Fotoğraf", "consent_form": "Onam Formu",
              "medical_history_form": "Anamnez Formu",
              "referral_letter": "Sevk Yazısı"}  # fmt: skip
_RECALLS = {"exam": "6 Aylık Kontrol", "hygiene": "Diş Taşı Temizliği"}
_RECALL_STATUS = {"due": "Bekliyor", "contacted": "Arandı", "scheduled": "Randevu Verildi",
                  "declined": "İptal"}  # fmt: skip
_COVERAGE_REL = {"self": "Kendisi", "spouse": "Eşi", "child": "Çocuğu", "other": "Diğer"}
_CUSTOM_FIELDS = (
    ("Tedavi Aşaması", "picklist", ("Başlangıç", "Devam", "Bitti")),
    ("Tercih Edilen Dil", "picklist", ("Türkçe", "English", "Deutsch")),
    ("Son Kontrol Tarihi", "date", ()),
    ("Antibiyotik Profilaksisi", "bool", ()),
)
_CUSTOM_TYPES = {"picklist": "Seçim", "date": "Tarih", "bool": "Evet/Hayır", "number": "Sayı"}


def _csv(name: str, kind: str, columns: str, **fields: str) -> FileSpec:
    return FileSpec(
        name, kind, tuple(columns.split("|")), encoding="cp1254", delimiter=";", fields=fields
    )


def _xlsx(name: str, sheet: str, kind: str, columns: str, **fields: str) -> FileSpec:
    return FileSpec(
        name, kind, tuple(columns.split("|")), format="xlsx", sheet=sheet, fields=fields
    )


_FILES = (
    _csv(
        "subeler.csv",
        "location",
        "Şube Kodu|Şube Adı|Firma Kodu|Firma Adı|Vergi Dairesi|Vergi Numarası|Ana Şube Kodu|"
        "Adres|İlçe|İl|Posta Kodu|Telefon|E-posta|Ünite Sayısı",
    ),
    _csv(
        "hekimler.csv",
        "staff",
        "Hekim No|Adı|Soyadı|TC Kimlik No|Görevi|Uzmanlık|E-posta|Cep Telefonu|Şube Kodu|Durum|"
        "Hakediş Yüzdesi|Kullanıcı Adı",
    ),
    _csv(
        "hastalar.csv",
        "patient",
        "Hasta No|Adı|Soyadı|TC Kimlik No|Pasaport No|Uyruk|Doğum Tarihi|Cinsiyet|Cep Telefonu|"
        "Ev Telefonu|İş Telefonu|E-posta|Adres|İlçe|İl|Posta Kodu|Yakınının Adı|Yakınının Tel.|"
        "Yakınlık Derecesi|Aile No|Aile Hesabı Sahibi|Şube Kodu|Hekim No|Grup|Çerçeve Rengi|"
        "Geliş Şekli|SMS İzni|Alerjiler|Sistemik Hastalıklar|Uyarı|Kayıt Tarihi",
        given="Adı",
        dob="Doğum Tarihi",
        national_id="TC Kimlik No",
        email="E-posta",
        medical_alert="Uyarı",
    ),
    _csv("ozel_alanlar.csv", "custom_field", "Hasta No|Alan Adı|Alan Tipi|Değer"),
    _csv(
        "randevular.csv",
        "appointment",
        "Randevu No|Hasta No|Hekim No|Şube Kodu|Ünite|Tarih|Başlangıç|Bitiş|Süre (dk)|"
        "Randevu Tipi|Tarife Kodu|Durum|Açıklama|Kayıt Tarihi",
        patient_id="Hasta No",
        notes="Açıklama",
    ),
    _csv(
        "tedavi_planlari.csv",
        "treatment_plan",
        "Plan No|Hasta No|Hekim No|Plan Adı|Plan Tarihi|Durum|Onay Tarihi|Sözleşmeli|"
        "Toplam Tutar|İndirim|Para Birimi|Açıklama",
    ),
    _csv(
        "tedaviler.csv",
        "procedure",
        "İşlem No|Plan No|Hasta No|Randevu No|Hekim No|Tarife Kodu|İşlem Adı|Diş|Yüzey|"
        "Tanı Kodu|Durum|Planlanan Tarih|Yapılma Tarihi|Ücret|Sigorta Payı|Para Birimi|Fatura No",
    ),
    _xlsx(
        "tarife.xlsx",
        "Tarife",
        "procedure_code",
        "Kod|İşlem Adı|Kategori|Fiyat (KDV Hariç)|KDV Oranı|Fiyat (KDV Dahil)|Para Birimi|Aktif",
    ),
    _csv(
        "faturalar.csv",
        "invoice",
        "Fatura No|Hasta No|Aile No|Şube Kodu|Hekim No|Fatura Tarihi|Vade Tarihi|Tutar|KDV|"
        "Toplam|Ödenen|Kalan|Para Birimi|Durum|Açıklama",
    ),
    _xlsx(
        "hesap_defteri.xlsx",
        "Tahsilatlar",
        "payment",
        "Tahsilat No|Tarih|Hasta No|Fatura No|Ödeme Tipi|Tutar|Para Birimi|Banka Komisyonu|"
        "Hekim No|Açıklama",
    ),
    _xlsx(
        "notlar.xlsx",
        "Notlar",
        "clinical_note",
        "Not No|Hasta No|Hekim No|Tarih|Not Tipi|Diş|Not",
        text="Not",
    ),
    _csv(
        "belgeler.csv",
        "document",
        "Belge No|Hasta No|Tür|Başlık|Dosya Adı|MIME Tipi|Boyut (bayt)|Yükleme Tarihi|Yükleyen",
        size="Boyut (bayt)",
    ),
    _csv(
        "sigortalar.csv",
        "coverage",
        "Sigorta No|Hasta No|Sigorta Şirketi|Poliçe No|Grup No|Sigortalı Yakınlık|"
        "Başlangıç Tarihi|Bitiş Tarihi|Sıra",
    ),
    _csv(
        "hatirlaticilar.csv",
        "recall",
        "Hatırlatıcı No|Hasta No|Tür|Aralık (Ay)|Son Randevu Tarihi|Hatırlatma Tarihi|Durum",
    ),
)


def _date(value: DateValue | None) -> str:
    return day_first(value, ".", pad_day=False)


def _stamp(value: datetime) -> str:
    return f"{_date(value)} {hhmm(value)}"


def _evet(value: bool) -> str:
    return yes_no(value, "Evet", "Hayır")


class DrDentesLayout(Layout):
    """Dr.DENTES: Turkish headers, d.MM.yyyy, decimal comma, FDI teeth, HTML notes."""

    source = "drdentes"
    country = "TR"
    language = "tr"
    files: tuple[FileSpec, ...] = _FILES

    @property
    def ids(self) -> IdScheme:
        """Plain running numbers (Hasta No 1045)."""
        return numeric_ids

    def codes(self) -> list[Code]:
        """The clinic's tariff in TDB section-item style."""
        return list(_CODES)

    def people_spec(self, as_of: date) -> PeopleSpec:
        """Turkish patients with T.C. Kimlik (passports for health tourists)."""
        return PeopleSpec(
            language="tr",
            national_id="tckn",
            as_of=as_of,
            payment_categories=("private", "private", "insured"),
            groups=("Personel", "Anlaşmalı Kurum", "VIP", "Ortodonti Hastası"),
        )

    def activity_spec(self, as_of: date, kinds: frozenset[str]) -> ActivitySpec:
        """KDV 10 %, refunds as negative payments, custom fields per patient."""
        return ActivitySpec(
            language="tr",
            as_of=as_of,
            kinds=kinds,
            payers=(
                "Allianz Sigorta",
                "AXA Sigorta",
                "Anadolu Sigorta",
                "Acıbadem Sigorta",
                "Türkiye Sigorta",
                "SGK",
            ),
            payment_methods=("card",) * 5 + ("cash",) * 3 + ("bank_transfer", "promissory_note"),
            tax_rate=Decimal("0.10"),
            refunds=True,
            custom_fields=_CUSTOM_FIELDS,
        )

    def fault_targets(self) -> FaultTargets:
        """cp1254 CSVs cannot hold emoji: odd Unicode only lands in notlar.xlsx.

        Formula text goes to CSV free text: inside the HTML notes it would not start a cell.
        """
        return FaultTargets(
            text=(("appointments", "notes"), ("patient", "medical_alert")),
            unicode_text=(("notes", "text"),),
            identifier="tckn",
        )

    def document_path(self, patient_id: str, document_id: str, extension: str) -> str:
        """`belgeler/H<Hasta No>/B<Belge No>.<ext>`."""
        return f"belgeler/H{patient_id}/B{document_id}.{extension}"

    def practice_rows(self, practice: Practice) -> Iterator[Row]:
        """Branches, dentists/users and the tariff."""
        org = practice.organization
        for loc in practice.locations:
            a = loc.address
            address = f"{a.line1} {a.line2}".strip()
            row: tuple[object, ...]
            row = (loc.id, loc.name, org.id, org.name, f"{a.region} Vergi Dairesi", org.tax_id,
                   loc.parent_id or "", address, a.city, a.region, a.postcode, loc.phone,
                   loc.email, str(loc.chairs))  # fmt: skip
            yield "subeler.csv", row, loc
        for s in practice.staff:
            row = (s.id, s.given, s.family, s.identifier or "", _ROLES[s.role], s.specialty or "",
                   s.email, s.mobile, s.location_ids[0], "Aktif" if s.active else "Pasif",
                   turkish_money(s.commission), s.email.split("@")[0])  # fmt: skip
            yield "hekimler.csv", row, s
        for c in _CODES:
            with_tax = (c.fee * Decimal("1.10")).quantize(Decimal("0.01"))
            row = (c.code, c.description, _CATEGORY[c.category], turkish_money(c.fee), "%10",
                   turkish_money(with_tax), "TL", "Evet")  # fmt: skip
            yield "tarife.xlsx", row, c

    def bundle_rows(self, bundle: Bundle, practice: Practice) -> Iterator[Row]:
        """All rows of one patient, patient first."""
        p = bundle.patient
        a = p.address
        e = p.emergency
        row: tuple[object, ...]
        row = (
            p.id, p.given, p.family, p.national_id or "", p.passport or "", p.nationality,
            _date(p.dob), "Kadın" if p.sex == "female" else "Erkek", p.mobile, p.home_phone,
            p.work_phone, p.email or "", f"{a.line1} {a.line2}".strip(), a.city, a.region,
            a.postcode, f"{e.given} {e.family}" if e else "", e.phone if e else "",
            _RELATIONSHIPS.get(e.relationship, "Diğer") if e else "", p.household_id or "",
            _evet(p.is_household_head), p.location_id, p.practitioner_id, p.group or "",
            _FLAGS.get(p.flag_colour or "", ""), _REFERRALS[p.referral_source],
            _evet(p.sms_opt_in), ";".join(p.allergies), ";".join(p.conditions), p.medical_alert,
            _date(p.registered),
        )  # fmt: skip
        yield "hastalar.csv", row, p
        for value in bundle.custom:
            yield "ozel_alanlar.csv", _custom_row(value), value
        yield from self._history_rows(bundle)

    def _history_rows(self, bundle: Bundle) -> Iterator[Row]:
        p = bundle.patient
        for ap in bundle.appointments:
            row: tuple[object, ...]
            row = (ap.id, ap.patient_id, ap.practitioner_id, ap.location_id, f"Ünite {ap.chair}",
                   _date(ap.start), hhmm(ap.start), hhmm(ap.start + timedelta(minutes=ap.duration)),
                   str(ap.duration), _TYPES[ap.type], ap.code or "", _STATUS[ap.status],
                   ap.notes, _stamp(ap.booked_at))  # fmt: skip
            yield "randevular.csv", row, ap
        for pl in bundle.plans:
            row = (pl.id, pl.patient_id, pl.practitioner_id, pl.name, _date(pl.created),
                   _PLAN_STATUS[pl.status], _date(pl.accepted), _evet(pl.total > 20000),
                   turkish_money(pl.total), "0,00", "TL", pl.notes)  # fmt: skip
            yield "tedavi_planlari.csv", row, pl
        for pr in bundle.procedures:
            row = (pr.id, pr.plan_id or "", pr.patient_id, pr.appointment_id or "",
                   pr.practitioner_id, pr.code.code, pr.code.description, pr.tooth_fdi or "",
                   pr.surfaces, pr.diagnosis or "", _PROCEDURE_STATUS[pr.status],
                   _date(pr.planned), _date(pr.completed), turkish_money(pr.fee),
                   turkish_money(pr.insurance_estimate), "TL", pr.invoice_id or "")  # fmt: skip
            yield "tedaviler.csv", row, pr
        for iv in bundle.invoices:
            net = iv.amount - iv.tax
            family = p.household_id if iv.bill_to_patient_id else None
            row = (iv.id, iv.patient_id, family or "", iv.location_id, iv.practitioner_id,
                   _date(iv.issued), _date(iv.due), turkish_money(net), turkish_money(iv.tax),
                   turkish_money(iv.amount), turkish_money(iv.paid),
                   turkish_money(iv.amount - iv.paid), "TL", _INVOICE_STATUS[iv.status],
                   iv.description)  # fmt: skip
            yield "faturalar.csv", row, iv
        for pm in bundle.payments:
            row = (pm.id, _date(pm.received), pm.patient_id, pm.invoice_id, _METHODS[pm.method],
                   turkish_money(pm.amount), "TL", turkish_money(pm.bank_fee), pm.practitioner_id,
                   "İade" if pm.amount < 0 else "")  # fmt: skip
            yield "hesap_defteri.xlsx", row, pm
        for nt in bundle.notes:
            row = (nt.id, nt.patient_id, nt.practitioner_id, _stamp(nt.written_at),
                   _NOTE_TYPES[nt.note_type], nt.tooth_fdi or "", _html(nt.text))  # fmt: skip
            yield "notlar.xlsx", row, nt
        yield from self._attachments_rows(bundle)

    def _attachments_rows(self, bundle: Bundle) -> Iterator[Row]:
        for dc in bundle.documents:
            row: tuple[object, ...]
            row = (dc.id, dc.patient_id, _DOC_TYPES.get(dc.category, "Diğer"), dc.title,
                   self.document_path(dc.patient_id, dc.id, dc.extension), _mime(dc.extension),
                   str(dc.size), _stamp(dc.uploaded_at), dc.uploaded_by)  # fmt: skip
            yield "belgeler.csv", row, dc
        for cv in bundle.coverages:
            row = (cv.id, cv.patient_id, cv.payer, cv.member_id, cv.group_number,
                   _COVERAGE_REL[cv.relationship], _date(cv.start), _date(cv.end),
                   str(cv.order))  # fmt: skip
            yield "sigortalar.csv", row, cv
        for rc in bundle.recalls:
            row = (rc.id, rc.patient_id, _RECALLS.get(rc.type, "6 Aylık Kontrol"),
                   str(rc.interval_months), _date(rc.last_done), _date(rc.due),
                   _RECALL_STATUS[rc.status])  # fmt: skip
            yield "hatirlaticilar.csv", row, rc


def _custom_row(value: CustomValue) -> tuple[str, str, str, str]:
    raw = value.value
    if isinstance(raw, bool):
        text = _evet(raw)
    elif isinstance(raw, date):
        text = _date(raw)
    elif isinstance(raw, Decimal):
        text = turkish_money(raw)
    elif isinstance(raw, list):
        text = ";".join(raw)
    else:
        text = raw
    return value.patient_id, value.key, _CUSTOM_TYPES.get(value.data_type, "Metin"), text


def _html(text: str) -> str:
    """Dr.DENTES keeps notes as rich text: one <p> per line, first line bold."""
    lines = [html.escape(line, quote=False) for line in text.split("\n") if line]
    if not lines:
        return ""
    head, *rest = lines
    return f"<p><b>{head}</b></p>" + "".join(f"<p>{line}</p>" for line in rest)


def _mime(extension: str) -> str:
    return {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}[extension]
