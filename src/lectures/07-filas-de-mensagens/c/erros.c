/* O que o kernel responde a um msgsnd inválido: um mtype que não é positivo, e uma mensagem maior
 * que msgmax (/proc/sys/kernel/msgmax). Usa uma fila privada (IPC_PRIVATE) e a remove no fim. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>

static const char *nome(int e) {
    switch (e) {
    case EINVAL: return "EINVAL";
    case E2BIG: return "E2BIG";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    default: return "outro";
    }
}

int main(void) {
    int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    if (id < 0) { perror("msgget"); return 1; }

    struct { long mtype; char text[8]; } zero = { 0, "x" };
    if (msgsnd(id, &zero, 1, IPC_NOWAIT) < 0)
        printf("msgsnd com mtype 0:           -1, errno = %s (%s)\n", nome(errno), strerror(errno));

    long msgmax = 8192;
    FILE *f = fopen("/proc/sys/kernel/msgmax", "r");
    if (f) { if (fscanf(f, "%ld", &msgmax) != 1) msgmax = 8192; fclose(f); }
    struct grande { long mtype; char text[]; } *g = calloc(1, sizeof(long) + (size_t) msgmax + 1);
    g->mtype = 1;
    if (msgsnd(id, g, (size_t) msgmax + 1, IPC_NOWAIT) < 0)
        printf("msgsnd com msgmax + 1 = %ld bytes: -1, errno = %s (%s)\n", msgmax + 1, nome(errno), strerror(errno));
    free(g);

    msgctl(id, IPC_RMID, NULL);
    return 0;
}
