"""The result of reading: the typed ``Page > Line > Word > Char`` tree (:mod:`.elements`), the
formats OCR users script against (:mod:`.formats`), the overlay picture (:mod:`.overlay`), and
a photo with the outcome of reading it (:mod:`.readings`)."""
