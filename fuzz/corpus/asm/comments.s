# a comment

   
again: jmp again
.word 0x0100000000000000
