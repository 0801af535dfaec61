*
(

__inference_read_7
readReadFile

callStatefulPartitionedCall