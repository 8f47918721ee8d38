"""Reading, stages 8-10: the character classifier (:mod:`.recognize`) or the line recogniser
(:mod:`.linereader`, its frames decoded by :mod:`.ctc`), the words of each line decoded with
the letters-vs-digits prior and the word list (:mod:`.decode`, :mod:`.lexicon`), which lines are
writing at all (:mod:`.writing`), and which way up the sheet reads best (:mod:`.orientation`)."""
