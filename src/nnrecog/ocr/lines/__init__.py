"""Lines, stages 6-7: character candidates grouped into lines and words (:mod:`.layout`),
touching letters cut and broken ones joined where the classifier reads them better
(:mod:`.resegment`), and each line cut out as the image a line recogniser reads
(:mod:`.lineimage`)."""
