ó
"serveç

n0_PlaceholderPlaceholder

n1_ConstConst

	n2_SaveV2SaveV2

n3_RestoreV2	RestoreV2
+
n4_MergeV2CheckpointsMergeV2Checkpoints
+
n5_TensorSliceDatasetTensorSliceDataset
)
n6_DatasetToTFRecordDatasetToTFRecord