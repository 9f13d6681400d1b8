"""The scripted persona's vocabulary: which words carry no meaning, and which phrases mean what.

Data, kept apart from the matching code (`script_match`) so a new concept or phrase is an edit here.
English phrases are matched on whole words (after lowercasing); Thai ones as substrings.
"""

# fmt: off
EN_STOP = frozenset([
    "a", "an", "the", "and", "or", "but", "if", "of", "to", "in", "on", "at", "by", "for", "with", "from",
    "as", "is", "are", "was", "were", "be", "been", "being", "it", "its", "this", "that", "these", "those",
    "there", "here", "i", "you", "he", "she", "we", "they", "me", "him", "her", "us", "them", "my", "your",
    "his", "our", "their", "mine", "yours", "hers", "ours", "theirs", "do", "does", "did", "done", "doing",
    "have", "has", "had", "having", "will", "would", "can", "could", "should", "shall", "may", "might", "must",
    "not", "no", "nor", "so", "too", "very", "just", "than", "then", "about", "into", "over", "after",
    "before", "again", "once", "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "all",
    "any", "both", "each", "few", "more", "most", "other", "some", "such", "only", "own", "same", "also", "up",
    "down", "out", "off", "under", "until", "while", "during", "through", "trainee", "trainees", "customer",
    "call", "person", "someone", "something", "says", "say", "said", "asks", "ask", "asked", "their", "them",
    "one", "two", "get", "gets", "got", "make", "makes", "made", "tell", "tells", "told", "say's", "being",
    "instead", "without", "within", "already", "still", "really", "actually", "way", "thing", "things", "lot",
])
TH_EXTRA_STOP = {"ผู้ฝึก", "เธอ", "เขา", "ลูกค้า", "คุณ", "ค่ะ", "คะ", "ครับ", "นะ", "ว่า", "และ", "หรือ", "ที่", "ให้"}

CONCEPTS: dict[str, tuple[str, ...]] = {
    "apology": ("sorry", "apologise", "apologize", "apologies", "apology", "my fault", "our fault",
                "ขอโทษ", "ขออภัย"),
    "understand": ("i understand", "understand your", "i hear you", "frustration", "frustrating",
                   "เข้าใจ"),
    "refund": ("refund", "refunded", "refunding", "reverse", "reversed", "reversal", "money back",
               "reimburse", "credited", "credit it", "คืนเงิน", "เงินคืน", "โอนคืน"),
    "waive": ("waive", "waived", "waiving", "remove the fee", "removed the fee", "cancel the fee",
              "late fee", "fee waiver", "ยกเลิกค่าปรับ", "ค่าปรับ"),
    "reference": ("reference number", "reference", "confirmation number", "case number", "ticket number",
                  "เลขที่อ้างอิง", "เลขอ้างอิง", "หมายเลขอ้างอิง"),
    "repeat": ("repeat", "again from", "start over", "from the beginning", "whole story",
               "tell me what happened", "explain what happened", "walk me through", "account number",
               "เล่าใหม่", "ตั้งแต่ต้น", "เล่าให้ฟัง", "เล่าเรื่อง", "ขอเลขบัญชี", "ขอทราบเลข"),
    "wait_days": ("3-5 days", "3 to 5", "three to five", "five to seven", "working days", "business days",
                  "few days", "within a week", "7 วัน", "เจ็ดวัน", "วันทำการ"),
    "blame": ("your bank", "the bank", "autopay", "your fault", "you should have", "the system",
              "not our fault", "ธนาคาร", "ความผิดของคุณ", "ความผิดของลูกค้า", "ระบบตัดบัตร", "โทษระบบ", "โทษลูกค้า"),
    "impact": ("affect", "affected", "impact", "how has this", "how did this", "what did this",
               "cost you", "caused you", "กระทบ", "ผลกระทบ", "เดือดร้อน"),
    "overdraft": ("overdraft", "bank fee", "bank charge", "bank charged", "ค่าธรรมเนียม"),
    "compensate": ("cover", "goodwill", "compensate", "compensation", "credit", "ชดเชย", "เครดิต"),
    "time": ("your time", "meeting", "quick", "brief", "short", "won't keep you", "in a hurry",
             "นัด", "เวลา", "สั้น ๆ", "กระชับ"),
    "followup": ("email", "call you back", "callback", "follow up", "follow-up", "confirmation",
                 "personally", "myself", "อีเมล", "โทรกลับ", "ติดตาม", "รับผิดชอบ"),
    "when_money": ("will see", "reach your", "in your account", "by tomorrow", "by friday", "arrive",
                   "within 24", "today", "เมื่อไร", "เข้าบัญชี", "เข้าบัตร", "ภายในวันนี้"),
    "duplicate": ("double", "twice", "duplicate", "two charges", "charged twice", "ตัดซ้ำ", "สองครั้ง", "ซ้ำ"),
    "promise": ("promise", "promised", "broken", "kevin", "last time", "previous", "สัญญา"),
    "transfer": ("transfer you", "another department", "nothing i can do", "nothing we can do",
                 "can't do anything", "not possible today", "โอนสาย", "แผนกอื่น", "ทำอะไรไม่ได้"),
    "supervisor": ("supervisor", "manager", "หัวหน้า"),
    "action": ("refund", "waive", "process", "processed", "processing", "right now", "i've done",
               "i have done", "done that", "fixed", "คืนเงิน", "ดำเนินการ", "ยกเลิกค่าปรับ"),
}
# fmt: on
