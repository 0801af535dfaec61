ä
"serve

n0Placeholder

n1Const

n2SaveV2

n3	RestoreV2

n4MergeV2Checkpoints

filesMatchingFilesDataset"ç