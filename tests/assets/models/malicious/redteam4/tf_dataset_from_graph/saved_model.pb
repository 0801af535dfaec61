·
"serve«

n0Placeholder

n1Const

n2SaveV2

n3	RestoreV2

n4MergeV2Checkpoints
1
graphConst*!
valueBB

readReadFile

dsDatasetFromGraph"