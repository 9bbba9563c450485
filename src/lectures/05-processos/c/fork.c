/* fork(): o filho recebe CÓPIAS de dados, pilha e heap, e COMPARTILHA o
 * ponteiro (offset) dos arquivos abertos antes do fork.
 * Compile: cc -o fork fork.c */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/wait.h>

int global = 10;                       /* dados estáticos */

int main(int argc, char *argv[]) {
    int local = 20;                    /* pilha */
    int *heap = malloc(sizeof(int));   /* heap */
    *heap = 30;
    const char *path = argc > 1 ? argv[1] : "/tmp/cdlab-fork-demo.txt";
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
    pid_t pid;

    printf("pai   PID=%d: antes do fork\n", getpid());
    fflush(stdout);                    /* senão o buffer do stdout seria copiado também */
    if ((pid = fork()) < 0) {
        perror("Erro no fork");
        return 1;
    } else if (pid == 0) {             /* processo filho: fork() devolveu 0 */
        global++; local++; (*heap)++;
        printf("filho PID=%d PPID=%d UID=%d: global=%d local=%d heap=%d\n",
               getpid(), getppid(), getuid(), global, local, *heap);
        write(fd, "filho escreveu\n", 15);
        printf("filho: offset do arquivo agora = %ld\n", (long) lseek(fd, 0, SEEK_CUR));
        return 0;
    }
    waitpid(pid, NULL, 0);             /* processo pai: fork() devolveu o PID do filho */
    printf("pai   PID=%d filho=%d: global=%d local=%d heap=%d (inalterados)\n",
           getpid(), pid, global, local, *heap);
    printf("pai: offset do arquivo = %ld (movido pelo filho)\n", (long) lseek(fd, 0, SEEK_CUR));
    write(fd, "pai escreveu depois\n", 20);
    close(fd);
    free(heap);
    return 0;
}
