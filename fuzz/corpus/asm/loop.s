li r2, 3
top: addi r1, r1, 1
blt r1, r2, top
jmp 100
halt
