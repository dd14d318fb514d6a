"""Clinical and administrative phrases in English and Turkish for synthetic free text."""

from __future__ import annotations

from typing import Literal

Language = Literal["en", "tr"]

NOTE_SENTENCES: dict[Language, list[str]] = {
    "en": [
        "Examined all quadrants. No new caries detected. OHI given.",
        "Patient reports sensitivity on {tooth}. Advised desensitising toothpaste.",
        "{treatment} completed on {tooth} under LA (articaine 4%, 1 cartridge).",
        "Medical history reviewed, no changes since last visit.",
        "Scale and polish carried out. Bleeding on probing lower anterior region.",
        "Discussed options for {tooth}: crown versus extraction. Patient to consider.",
        "Radiographs taken: 2 BW. Interproximal caries {tooth}.",
        "BPE 2 1 2 / 2 2 1. Review in 6 months.",
        "Temporary dressing placed {tooth}. Review in 2 weeks.",
        "Lab docket sent for {treatment}, shade A2.",
    ],
    "tr": [
        "{tooth} numaralı dişte derin çürük tespit edildi.",
        "{treatment} yapıldı, hasta bilgilendirildi.",
        "Anamnez güncellendi, sistemik hastalık bildirilmedi.",
        "Diş taşı temizliği yapıldı. Alt ön bölgede diş eti kanaması mevcut.",
        "{tooth} için kanal tedavisi planlandı.",
        "Hasta {tooth} bölgesinde soğuk hassasiyeti bildiriyor.",
        "Panoramik röntgen çekildi, kontrol randevusu verildi.",
        "Geçici dolgu yapıldı, iki hafta sonra kontrol.",
        "Ölçü alındı, laboratuvara gönderildi (renk A2).",
    ],
}

ALLERGIES: dict[Language, list[str]] = {
    "en": ["Penicillin", "Latex", "Chlorhexidine", "Ibuprofen", "Aspirin", "Codeine", "Nickel"],
    "tr": ["Penisilin", "Lateks", "Aspirin", "İbuprofen", "Klorheksidin", "Kodein"],
}
CONDITIONS: dict[Language, list[str]] = {
    "en": [
        "Asthma",
        "Type 2 diabetes",
        "Hypertension",
        "Epilepsy",
        "Atrial fibrillation",
        "Hypothyroidism",
        "Osteoporosis (bisphosphonates)",
    ],
    "tr": [
        "Astım",
        "Tip 2 diyabet",
        "Hipertansiyon",
        "Epilepsi",
        "Tiroid bozukluğu",
        "Kalp ritim bozukluğu",
    ],
}
ALERTS: dict[Language, list[str]] = {
    "en": [
        "Takes warfarin - check INR before extractions",
        "Nervous patient, prefers morning",
        "Requires antibiotic cover",
        "Hearing impaired - use text",
        "Wheelchair user",
    ],
    "tr": [
        "Kan sulandırıcı kullanıyor",
        "Dental fobisi var, sabah randevusu tercih ediyor",
        "Antibiyotik profilaksisi gerekli",
        "İşitme güçlüğü var",
        "Tekerlekli sandalye kullanıyor",
    ],
}
APPOINTMENT_NOTES: dict[Language, list[str]] = {
    "en": [
        "",
        "",
        "",
        "Pt requested late afternoon",
        "Bring medication list",
        "Running late",
        "Check crown fit",
        "Child with parent",
        "Interpreter booked",
    ],
    "tr": [
        "",
        "",
        "",
        "Öğleden sonra tercih ediyor",
        "İlaç listesini getirecek",
        "Kontrol",
        "Veli ile gelecek",
        "Tercüman gerekli",
    ],
}
CANCEL_REASONS: dict[Language, list[str]] = {
    "en": [
        "Unwell",
        "Work commitments",
        "Transport problems",
        "Family emergency",
        "Clinician unavailable",
        "Weather",
    ],
    "tr": ["Hasta", "İş yoğunluğu", "Ulaşım sorunu", "Ailevi nedenler", "Hekim izinli"],
}
PLAN_NAMES: dict[Language, list[str]] = {
    "en": [
        "Course of treatment",
        "Restorative plan",
        "Hygiene programme",
        "Crown and bridge",
        "Emergency treatment",
        "Orthodontic assessment",
        "Implant plan",
    ],
    "tr": [
        "Tedavi planı",
        "Dolgu ve kanal tedavisi",
        "Periodontal tedavi",
        "Protez planı",
        "İmplant planı",
        "Ortodontik tedavi",
    ],
}
DOCUMENT_TITLES: dict[str, dict[Language, str]] = {
    "radiograph": {"en": "Bitewing radiograph", "tr": "Periapikal röntgen"},
    "photo": {"en": "Intraoral photo", "tr": "Ağız içi fotoğraf"},
    "consent_form": {"en": "Consent form", "tr": "Onam formu"},
    "medical_history_form": {"en": "Medical history form", "tr": "Anamnez formu"},
    "referral_letter": {"en": "Referral letter", "tr": "Sevk yazısı"},
    "correspondence": {"en": "Letter to patient", "tr": "Hasta yazışması"},
    "treatment_plan": {"en": "Signed treatment plan", "tr": "İmzalı tedavi planı"},
    "insurance_card": {"en": "Insurance card", "tr": "Sigorta kartı"},
}

# Text that breaks naive pipelines: CSV/Excel formula injection and odd Unicode (§1.5).
FORMULA_TEXTS = [
    '=HYPERLINK("https://example.com/claim?id=1","Open record")',
    "=1+1+cmd|' /C calc'!A0",
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]
ODD_UNICODE_INSERTS = [
    "\u200b",  # zero-width space
    "\u200f",  # right-to-left mark
    "\u202e",  # right-to-left override
    "\u0301\u0308",  # combining acute + diaeresis
    "\U0001f9b7",  # tooth emoji
    "\U0001f62c\u200d",  # grimacing face + zero-width joiner
    "\ufeff",  # BOM inside text
]
