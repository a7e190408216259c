"""The legal bases a request can be written under: each one's statutory elements, with citation and source.

Every element names the provision it comes from; `cases.removals.legal.check` verifies each one for a request,
and the templates under removals/requests/ carry the words the elements need (the matrix test checks both).
Sources were read with the project's search tool on 2026-12-06; where only a secondary copy of the text was
available, the element says so in `source`. Nothing here is legal advice: a lawyer should review changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from cases.removals.models import Basis

READ_ON = "2026-12-06"


@dataclass(frozen=True)
class Element:
    code: str
    citation: str
    requirement: str


@dataclass(frozen=True)
class LegalBasis:
    basis: str
    law: str
    source: str
    elements: tuple[Element, ...]
    note: str = ""


TIDA_SOURCE = (
    "TAKE IT DOWN Act (Pub. L. 119-12, S.146), section 3(a), codified at 47 U.S.C. 223a. Re-checked on "
    f"{READ_ON}: the enrolled bill is at https://www.congress.gov/119/bills/s146/BILLS-119s146enr.htm (primary; "
    "the search index returned its opening sections only, not section 3). Section 3(a)(1)(A)-(B) was read in two "
    "secondary copies that agree word for word: https://www.gdpr-ccpa.org/take-it-down/section-3-notice-and-removal-"
    "of-nonconsensual-intimate-visual-depictions and the 47 U.S.C. 223a text at https://www.customsmobile.com/uscode/"
    "47/223a ('Not later than 1 year after May 19, 2025'; 'an identifiable individual (or an authorized person "
    "acting on behalf of such individual)'; signature, location, good-faith statement, contact). The 48-hour "
    "removal in (a)(3) was not read in a primary copy. The duty applies from 19 May 2026."
)
DMCA_SOURCE = (
    "17 U.S.C. 512(c)(3)(A)(i)-(vi); text read on "
    f"{READ_ON} from copies of the statute (e.g. http://www.str82unetworks.com/copyright-claims.html quoting it in "
    "full); the uscode.house.gov page was not in the search index."
)
DSA_SOURCE = (
    "Regulation (EU) 2022/2065 (Digital Services Act), Article 16(1)-(2); text read on "
    f"{READ_ON} from https://www.eu-digital-services-act.com/Digital_Services_Act_Article_16.html (a copy of the "
    "Official Journal text; EUR-Lex itself was not in the search index)."
)
UK_SOURCE = (
    "Sexual Offences Act 2003 s.66B (inserted by the Online Safety Act 2023 s.188), read on "
    f"{READ_ON} at https://legislation.gov.uk/ukpga/2003/42/section/66B. Online Safety Act 2023, re-checked on "
    f"{READ_ON}: the headings of s.10 ('Safety duties about illegal content') and s.20 ('Duty about content "
    "reporting') were confirmed in a table of the Act's sections (https://crimeline.co.uk/legislationdisplay/"
    "?leg=%2Fukpga%2F2023%2F50%2Fpart%2F10, a secondary copy); the wording of s.10(3)(b) (swift take-down once "
    "aware) was NOT found in the search index and stays unconfirmed. Schedule 7 as enacted "
    "(https://legislation.gov.uk/ukpga/2023/50/schedule/7/enacted) has the 'sexual images' priority offences; s.66B "
    "is added to it as paragraph 28A by the Online Safety Act 2023 (Priority Offences) (Amendment) Regulations "
    "(draft 2024 text read at https://www.legislation.gov.uk/ukdsi/2024/9780348263510; a secondary summary at "
    "legislationtracker.co.uk says 2025 Regulations replaced them): the Regulations in force were not read."
)
ESAFETY_SOURCE = (
    "Online Safety Act 2021 (Cth) s.33 (objection notice, by the depicted person or an authorised person; the "
    "Australian connection in s.33(1)(c)), s.75 (posting an intimate image without consent), s.77 (removal notice, "
    f"24 hours); read on {READ_ON} at http://www.austlii.edu.au/au/legis/cth/consol_act/osa2021154/s33.html, "
    "/s75.html and /s77.html."
)
CHILD_SOURCE = (
    "Reports of child sexual abuse material: 18 U.S.C. 2258A (US providers' duty to report to NCMEC's CyberTipline) "
    "and DSA Art. 16(2)(c) (no notifier name needed for offences under Arts. 3-7 of Directive 2011/93/EU); "
    f"DSA text read on {READ_ON} (see DSA_SOURCE); 18 U.S.C. 2258A(a) (a provider 'shall, as soon as reasonably "
    "possible after obtaining actual knowledge' ... make a report to the CyberTipline) read on "
    f"{READ_ON} at http://law.cornell.edu/uscode/text/18/2258A (Cornell LII's copy of the US Code, with the 2024 "
    "REPORT Act amendments; uscode.house.gov itself was not in the search index)."
)

BASES: dict[str, LegalBasis] = {
    Basis.TAKE_IT_DOWN: LegalBasis(
        Basis.TAKE_IT_DOWN,
        "US TAKE IT DOWN Act, 47 U.S.C. 223a",
        TIDA_SOURCE,
        (
            Element("authority", "helpline policy", "the person pictured allowed the helpline to act for them"),
            Element(
                "designated_process",
                "47 U.S.C. 223a(a)(1)(A), (a)(3)",
                "sent to a covered platform through the process it established under the Act (only that starts the "
                "48-hour duty)",
            ),
            Element(
                "signature",
                "47 U.S.C. 223a(a)(1)(B)(i)",
                "physical or electronic signature of the identifiable individual or an authorised person acting on "
                "their behalf",
            ),
            Element(
                "location",
                "47 U.S.C. 223a(a)(1)(B)(ii)",
                "identification of, and information reasonably sufficient to locate, the depiction",
            ),
            Element(
                "good_faith",
                "47 U.S.C. 223a(a)(1)(B)(iii)",
                "brief statement of good-faith belief that the depiction is not consensual, with relevant information",
            ),
            Element(
                "contact",
                "47 U.S.C. 223a(a)(1)(B)(iv)",
                "information sufficient to contact the individual or the authorised person",
            ),
        ),
        "Removal as soon as possible and no later than 48 hours after a valid request; reasonable efforts to "
        "remove known identical copies (47 U.S.C. 223a(a)(3)).",
    ),
    Basis.DMCA: LegalBasis(
        Basis.DMCA,
        "US Copyright Act, 17 U.S.C. 512(c)(3)",
        DMCA_SOURCE,
        (
            Element("authority", "helpline policy", "the person pictured allowed the helpline to act for them"),
            Element(
                "ownership",
                "17 U.S.C. 201(a) (copyright vests in the author)",
                "the person pictured took the images themselves (never for AI-generated images)",
            ),
            Element(
                "victim_confirmed",
                "17 U.S.C. 512(c)(3)(A)(v)-(vi), 512(f)",
                "the person confirmed the ownership, good-faith and accuracy statements on their status page",
            ),
            Element(
                "signature",
                "17 U.S.C. 512(c)(3)(A)(i)",
                "signature of a person authorised to act for the owner (the helpline, as agent)",
            ),
            Element("work", "17 U.S.C. 512(c)(3)(A)(ii)", "identification of the copyrighted work"),
            Element(
                "location",
                "17 U.S.C. 512(c)(3)(A)(iii)",
                "identification of the infringing material and information reasonably sufficient to locate it",
            ),
            Element("contact", "17 U.S.C. 512(c)(3)(A)(iv)", "information sufficient to contact the complaining party"),
            Element(
                "good_faith", "17 U.S.C. 512(c)(3)(A)(v)", "statement of good-faith belief the use is unauthorised"
            ),
            Element(
                "accuracy_perjury",
                "17 U.S.C. 512(c)(3)(A)(vi)",
                "statement that the notice is accurate and, under penalty of perjury, that the signer is authorised",
            ),
        ),
        "Last resort: notices are often forwarded to the uploader and published (Lumen database).",
    ),
    Basis.DSA_ART16: LegalBasis(
        Basis.DSA_ART16,
        "EU Digital Services Act, Regulation (EU) 2022/2065, Art. 16",
        DSA_SOURCE,
        (
            Element("authority", "helpline policy", "the person pictured allowed the helpline to act for them"),
            Element(
                "explanation",
                "DSA Art. 16(2)(a)",
                "sufficiently substantiated explanation of why the content is illegal (naming the member state)",
            ),
            Element("member_state", "DSA Art. 16(2)(a)", "the member state whose law makes it illegal"),
            Element("location", "DSA Art. 16(2)(b)", "exact electronic location, such as the exact URLs"),
            Element("notifier", "DSA Art. 16(2)(c)", "name and email address of the notifier (the helpline)"),
            Element("bona_fide", "DSA Art. 16(2)(d)", "statement of bona fide belief that the notice is accurate"),
        ),
        "A complaint about the platform goes to the Digital Services Coordinator of the victim's member state "
        "(DSA Art. 53).",
    ),
    Basis.UK_OSA: LegalBasis(
        Basis.UK_OSA,
        "UK Online Safety Act 2023 (platform duties) and Sexual Offences Act 2003 s.66B",
        UK_SOURCE,
        (
            Element("authority", "helpline policy", "the person pictured allowed the helpline to act for them"),
            Element("location", "Online Safety Act 2023 s.20 (content reporting)", "the content reported, by URL"),
            Element(
                "intimate_state",
                "Sexual Offences Act 2003 s.66B(1)(a)",
                "a photograph or film which shows, or appears to show, the person in an intimate state",
            ),
            Element("no_consent", "Sexual Offences Act 2003 s.66B(1)(b)", "the person does not consent to the sharing"),
            Element("contact", "Online Safety Act 2023 s.21 (complaints)", "a contact for the platform's decision"),
        ),
        "Illegal content: a user-to-user service must swiftly take it down once aware (Online Safety Act 2023 "
        "s.10(3)(b)); no fixed number of hours.",
    ),
    Basis.ESAFETY: LegalBasis(
        Basis.ESAFETY,
        "Australia, Online Safety Act 2021 (Cth), image-based abuse scheme",
        ESAFETY_SOURCE,
        (
            Element("authority", "Online Safety Act 2021 s.33(3)", "an authorised person may give the notice"),
            Element(
                "australian_connection",
                "Online Safety Act 2021 s.33(1)(c)",
                "the depicted person is ordinarily resident in Australia (or the poster or host is)",
            ),
            Element("location", "Online Safety Act 2021 s.77(2)", "the intimate image identified, by URL"),
            Element("no_consent", "Online Safety Act 2021 s.75(1)-(2)", "posted without the person's consent"),
            Element("contact", "Online Safety Act 2021 s.77(3)", "a contact for eSafety's decision"),
        ),
        "eSafety may give the service a removal notice: removal within 24 hours (s.77(1)(f)).",
    ),
    Basis.CHILD_SAFETY: LegalBasis(
        Basis.CHILD_SAFETY,
        "Child sexual abuse material report",
        CHILD_SOURCE,
        (
            Element("location", "DSA Art. 16(2)(b); 18 U.S.C. 2258A(b)", "the exact URLs of the material"),
            Element("minor", "18 U.S.C. 2256(1), (8)", "the person pictured is under 18"),
            Element("contact", "helpline policy", "the helpline's contact, never the child's"),
        ),
        "No name of the child or the filer is needed (DSA Art. 16(2)(c)).",
    ),
    Basis.PLATFORM_POLICY: LegalBasis(
        Basis.PLATFORM_POLICY,
        "The platform's own rules",
        "The platform's terms; no statute.",
        (
            Element("authority", "helpline policy", "the person pictured allowed the helpline to act for them"),
            Element("location", "platform rules", "the exact URLs"),
            Element("policy", "platform rules", "the rule breached: intimate images shared without consent"),
            Element("explanation", "platform rules", "how the images came to be shared"),
        ),
    ),
    Basis.GOOGLE_NCII: LegalBasis(
        Basis.GOOGLE_NCII,
        "Google Search policy on non-consensual explicit imagery",
        "Google's removal form (see the directory's source for the channel).",
        (
            Element("authority", "form", "the filer is the person or their authorised representative"),
            Element("person_name", "form", "the name of the person pictured"),
            Element("location", "form", "the URLs of the results"),
            Element("explanation", "form", "the imagery is intimate and was published without consent"),
            Element("contact", "form", "an email for replies"),
        ),
    ),
    Basis.BING_NCII: LegalBasis(
        Basis.BING_NCII,
        "Microsoft Bing policy on non-consensual intimate imagery",
        "Microsoft's Report a Concern form (see the directory's source for the channel).",
        (
            Element("authority", "form", "the filer is the person or their authorised representative"),
            Element("person_name", "form", "the name of the person pictured"),
            Element("location", "form", "the URLs of the results"),
            Element("explanation", "form", "the imagery is intimate and was published without consent"),
            Element("contact", "form", "an email for replies"),
        ),
    ),
    Basis.APPEAL: LegalBasis(
        Basis.APPEAL,
        "The platform's appeal process",
        "Platform rules; DSA Art. 20 for EU users.",
        (
            Element("authority", "helpline policy", "the person pictured allowed the helpline to act for them"),
            Element("location", "platform rules", "the URLs still online"),
        ),
    ),
    Basis.REGULATOR_COMPLAINT: LegalBasis(
        Basis.REGULATOR_COMPLAINT,
        "Complaint to the enforcing authority (FTC under 47 U.S.C. 223a(b); DSC under DSA Art. 53)",
        TIDA_SOURCE,
        (
            Element("authority", "helpline policy", "the person pictured allowed the helpline to act for them"),
            Element("location", "complaint", "the URLs still online"),
            Element("contact", "complaint", "the helpline's contact"),
        ),
    ),
}


def required(basis: str) -> tuple[str, ...]:
    """The element codes a basis requires, in the order shown."""
    legal_basis = BASES.get(basis)
    return tuple(e.code for e in legal_basis.elements) if legal_basis else ()


# Kept for callers that read the codes directly.
REQUIRED: dict[str, tuple[str, ...]] = {basis: required(basis) for basis in BASES}
